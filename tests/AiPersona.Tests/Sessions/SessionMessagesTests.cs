using Microsoft.Extensions.AI;

namespace AiPersona.Tests.Sessions;

/// <summary>Finding the new messages of a resent conversation, over many generated conversations (seeded, so every run
/// checks the same ones).</summary>
public sealed class SessionMessagesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// User and assistant take turns, with texts drawn from a tiny vocabulary so that messages repeat a lot. The client
    /// resends the whole conversation or a window of its last messages (always including the new one), and the
    /// conversation may carry messages of an earlier session in front, which the session manager compares against first.
    /// Taking turns makes every alignment unambiguous, so the stored session must equal what was said in it.
    /// </summary>
    [Theory]
    [InlineData(null, 0)]
    [InlineData(null, 6)]
    [InlineData(2, 0)]
    [InlineData(3, 6)]
    [InlineData(4, 6)]
    [InlineData(6, 6)]
    public void TurnTakingConversations_AreStoredExactly_WhateverTheClientResends(int? window, int maxEarlierMessages)
    {
        var random = new Random(7);
        for (var conversation = 0; conversation < 3_000; conversation++)
        {
            var vocabulary = 2 + random.Next(3);
            var said = new List<SessionMessage>();
            var earlier = random.Next(maxEarlierMessages + 1) / 2 * 2; // whole exchanges
            for (var i = 0; i < earlier; i++)
            {
                said.Add(Message(i % 2 == 0 ? "user" : "assistant", random.Next(vocabulary)));
            }

            var stored = new List<SessionMessage>();
            for (var turn = 0; turn < 8; turn++)
            {
                said.Add(Message("user", random.Next(vocabulary)));
                var request = window is { } size ? said.Skip(Math.Max(0, said.Count - size)).ToList() : [.. said];
                stored.AddRange(SessionMessages.Unseen(stored.Count == 0 ? said.Take(earlier).ToList() : stored, request));
                var reply = Message("assistant", random.Next(vocabulary));
                said.Add(reply);
                stored.Add(reply);

                Assert.True(
                    stored.Select(Key).SequenceEqual(said.Skip(earlier).Select(Key)),
                    $"conversation {conversation}, turn {turn}: said [{string.Join(", ", said.Select(Key))}], stored [{string.Join(", ", stored.Select(Key))}]");
            }
        }
    }

    [Fact]
    public void ARequestThatBringsNothingNew_AddsNothing()
    {
        List<SessionMessage> stored = [Message("user", 1), Message("assistant", 2), Message("user", 1)];

        Assert.Empty(SessionMessages.Unseen(stored, [Message("assistant", 2), Message("user", 1)]));
        Assert.Empty(SessionMessages.Unseen(stored, [Message("user", 1)]));
    }

    [Fact]
    public void TheSameTextFromAnotherRole_IsAnotherMessage()
    {
        // The stored session ends with the user's "ok"; a window that starts with an assistant's "ok" does not line up.
        List<SessionMessage> stored = [new("user", "ok", At)];

        var unseen = SessionMessages.Unseen(stored, [new("assistant", "ok", At), new("user", "next", At)]);

        Assert.Equal(["assistant", "user"], unseen.Select(m => m.Role));
    }

    [Fact]
    public void ToolCallsAndResults_AreStoredAsShortSummaries_CutAt1000Characters()
    {
        ChatMessage call = new(ChatRole.Assistant, [new FunctionCallContent("c1", "search_flights", new Dictionary<string, object?> { ["to"] = "Lisbon", ["notes"] = new string('n', 3_000) })]);
        ChatMessage result = new(ChatRole.Tool, [new FunctionResultContent("c1", new string('r', 5_000))]);

        var stored = SessionMessages.Convert([call, result], At);

        Assert.StartsWith("[call search_flights(to=Lisbon, notes=nnn", stored[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("…)]", stored[0].Text, StringComparison.Ordinal);
        Assert.Equal("[result " + new string('r', 1_000) + "…]", stored[1].Text);
        Assert.Equal("tool", stored[1].Role);
    }

    [Fact]
    public void AMessageOfSeveralParts_KeepsItsTextAndToolCallsOnSeparateLines_AndDropsWhatIsNotText()
    {
        ChatMessage mixed = new(ChatRole.Assistant,
        [
            new TextContent("  Let me check.  "),
            new DataContent(new byte[] { 1, 2, 3 }, "image/png"),
            new FunctionCallContent("c1", "weather", new Dictionary<string, object?> { ["city"] = "Porto" }),
            new UsageContent(new UsageDetails { InputTokenCount = 5 }),
            new TextContent(" "),
        ]);
        ChatMessage imageOnly = new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")]);

        var stored = SessionMessages.Convert([mixed, imageOnly], At);

        Assert.Equal("Let me check.\n[call weather(city=Porto)]", Assert.Single(stored).Text); // a message with no text is not kept
    }

    private static SessionMessage Message(string role, int word) => new(role, $"{role[0]}{word}", At);

    private static string Key(SessionMessage message) => message.Text;
}
