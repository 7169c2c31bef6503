using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Chat;

/// <summary>The per-request settings read back as they were set, also from options that went through JSON (an app that
/// receives a client's <see cref="ChatOptions"/> over HTTP): a private conversation must never read as an ordinary one.</summary>
public sealed class ChatOptionsPersonaExtensionsTests
{
    [Theory]
    [InlineData(PersonalizationMode.Enabled)]
    [InlineData(PersonalizationMode.Disabled)]
    [InlineData(PersonalizationMode.Private)]
    public void SettingsReadBackAfterAJsonRoundTrip(PersonalizationMode mode)
    {
        var options = new ChatOptions().WithPersonaUser("ana").WithPersonalization(mode);

        var json = JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions);
        var received = JsonSerializer.Deserialize<ChatOptions>(json, AIJsonUtilities.DefaultOptions);

        Assert.Equal(("ana", mode), (received.GetPersonaUser(), received.GetPersonalization()));
    }

    [Fact]
    public async Task APrivateRequestReceivedAsJson_IsNeitherPersonalizedNorRecorded_WithTheUserFromAResolver()
    {
        var model = FakeModels.Chat();
        var services = new ServiceCollection();
        services.AddSingleton<IChatUserResolver>(new SignedIn("ana"));
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        services.AddChatClient(model).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IPersonaStore>();
        await store.SaveAsync((await store.GetAsync("ana")).ApplyEdits([PersonaEdit.Set("preferences", "styles", "boutique hotels")], DateTimeOffset.UtcNow));

        // The browser sent its options as JSON; the server reads them back and passes them on.
        var json = JsonSerializer.Serialize(new ChatOptions().WithPersonalization(PersonalizationMode.Private), AIJsonUtilities.DefaultOptions);
        var received = JsonSerializer.Deserialize<ChatOptions>(json, AIJsonUtilities.DefaultOptions);
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Where should I stay?", received);

        Assert.DoesNotContain(model.Calls.Single().Messages, m => m.Text.Contains("boutique hotels", StringComparison.Ordinal));
        Assert.Empty(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
    }

    [Theory]
    [InlineData("private", PersonalizationMode.Private)]
    [InlineData(" Disabled ", PersonalizationMode.Disabled)]
    [InlineData(2, PersonalizationMode.Private)]
    [InlineData(1L, PersonalizationMode.Disabled)]
    [InlineData(PersonalizationMode.Private, PersonalizationMode.Private)] // the enum itself, as earlier builds stored it
    public void AModeSetByItsNameOrNumber_IsRead(object value, PersonalizationMode expected)
    {
        var options = new ChatOptions { AdditionalProperties = new() { ["aipersona.mode"] = value } };

        Assert.Equal(expected, options.GetPersonalization());
    }

    [Theory]
    [InlineData("secret")]
    [InlineData("Enabled, Private")]
    [InlineData("7")]
    [InlineData(7)]
    [InlineData(4_294_967_298L)] // 2^32 + 2, which an unchecked cast to int would read as 2, Private
    [InlineData(true)]
    public void AModeThatIsNoPersonalizationMode_Throws_RatherThanPersonalizingWhatMayBePrivate(object value)
    {
        var options = new ChatOptions { AdditionalProperties = new() { ["aipersona.mode"] = value } };

        var error = Assert.Throws<InvalidOperationException>(() => options.GetPersonalization());
        Assert.Contains("aipersona.mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModeReceivedAsAJsonNumber_IsRead_OnlyWhenItNamesAMode()
    {
        static ChatOptions Received(string json) => new() { AdditionalProperties = new() { ["aipersona.mode"] = JsonDocument.Parse(json).RootElement.Clone() } };

        Assert.Equal(PersonalizationMode.Private, Received("2").GetPersonalization());
        Assert.Throws<InvalidOperationException>(() => Received("7").GetPersonalization());
        Assert.Throws<InvalidOperationException>(() => Received("4294967298").GetPersonalization());
        Assert.Throws<InvalidOperationException>(() => Received("2.5").GetPersonalization());
    }

    [Fact]
    public void SettingAModeThatIsNoPersonalizationMode_Throws_AndLeavesTheOptionsAsTheyWere()
    {
        var options = new ChatOptions().WithPersonalization(PersonalizationMode.Private);

        Assert.Throws<ArgumentOutOfRangeException>(() => options.WithPersonalization((PersonalizationMode)7));
        Assert.Equal(PersonalizationMode.Private, options.GetPersonalization());
    }

    [Fact]
    public void AUserIdThatIsNotText_Throws_WithoutSayingIt()
    {
        var options = new ChatOptions { AdditionalProperties = new() { ["aipersona.user_id"] = 4217 } };

        var error = Assert.Throws<InvalidOperationException>(() => options.GetPersonaUser());
        Assert.Contains("aipersona.user_id", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("4217", error.Message, StringComparison.Ordinal); // it may be a user id: messages end up in logs
    }

    [Fact]
    public void NoSettings_ReadAsNoUserAndEnabled()
    {
        Assert.Null(((ChatOptions?)null).GetPersonaUser());
        Assert.Equal(PersonalizationMode.Enabled, new ChatOptions().GetPersonalization());
        var nulls = new ChatOptions { AdditionalProperties = new() { ["aipersona.user_id"] = null, ["aipersona.mode"] = null } };
        Assert.Equal((null, PersonalizationMode.Enabled), (nulls.GetPersonaUser(), nulls.GetPersonalization()));
    }

    private sealed class SignedIn(string userId) : IChatUserResolver
    {
        public ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(userId);
    }
}
