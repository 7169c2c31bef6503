namespace AiPersona.Tests.Chat;

public sealed class ServiceHeldConversationsTests
{
    [Fact]
    public void AConversationIsHeld_UntilTheServiceMovesOnToANewId()
    {
        var held = new ServiceHeldConversations();

        held.Continue("ana", null, "resp-1");
        Assert.True(held.Contains("ana", "resp-1"));
        Assert.False(held.Contains("ben", "resp-1")); // another user's request naming the same id continues nothing of theirs

        held.Continue("ana", "resp-1", "resp-2");
        Assert.False(held.Contains("ana", "resp-1"));
        Assert.True(held.Contains("ana", "resp-2"));
        Assert.False(held.Contains("ana", null));
    }

    [Fact]
    public void AtItsCap_EverythingHeldIsForgotten_SoMemoryStaysBounded()
    {
        var held = new ServiceHeldConversations();
        for (var i = 0; i < ServiceHeldConversations.MaxEntries; i++)
        {
            held.Continue("ana", null, $"c-{i}");
        }

        Assert.True(held.Contains("ana", "c-0")); // the cap is reached, not passed

        held.Continue("ana", null, "newcomer");

        Assert.False(held.Contains("ana", "c-0")); // a forgotten conversation only gets the persona once more
        Assert.False(held.Contains("ana", $"c-{ServiceHeldConversations.MaxEntries - 1}"));
        Assert.True(held.Contains("ana", "newcomer"));
    }
}
