using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

#pragma warning disable MEAI001 // Microsoft.Extensions.AI's chat reducers are experimental

namespace AiPersona.Tests.Chat;

/// <summary>
/// Microsoft.Extensions.AI's chat reducers (a sliding window, or a summary of older messages) put in front of the
/// personalization layer, as docs/recipes.md advises: the layer then sees the reduced conversation, adds the persona to
/// it, and still stores every message said exactly once, and never the reducer's summary.
/// </summary>
public sealed class ChatReducerTests
{
    private const string AppPrompt = "You are a travel agent.";

    [Fact]
    public async Task ASummarizingReducer_InFrontOfThePersonalization_LeavesEveryMessageStoredOnce_AndThePersonaInEveryRequest()
    {
        var summarizer = new TestChatClient();
        var summaries = 0;
        summarizer.GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"SUMMARY {++summaries}")));

        var (model, services) = await BuildAsync(builder => builder.UseChatReducer(new SummarizingChatReducer(summarizer, targetCount: 4, threshold: 2)));
        var said = await ChatAsync(services, turns: 10);

        Assert.True(summaries >= 2, $"the reducer summarized {summaries} time(s)");
        Assert.Contains(model.Calls, c => c.Messages.Any(m => m.Role == ChatRole.Assistant && m.Text.StartsWith("SUMMARY", StringComparison.Ordinal)));
        await AssertStoredOnceWithThePersonaSentAsync(model, services, said);
    }

    [Fact]
    public async Task ASlidingWindowReducer_InFrontOfThePersonalization_LeavesEveryMessageStoredOnce_AndThePersonaInEveryRequest()
    {
        var (model, services) = await BuildAsync(builder => builder.UseChatReducer(new MessageCountingChatReducer(targetCount: 3)));
        var said = await ChatAsync(services, turns: 10);

        Assert.All(model.Calls, c => Assert.True(c.Messages.Count(m => m.Role != ChatRole.System) <= 3));
        await AssertStoredOnceWithThePersonaSentAsync(model, services, said);
    }

    private static async Task<(TestChatClient Model, ServiceProvider Services)> BuildAsync(Func<ChatClientBuilder, ChatClientBuilder> reduce)
    {
        var model = FakeModels.Chat();
        var services = new ServiceCollection();
        services.AddSingleton<IPersonaStore, InMemoryPersonaStore>().AddSingleton<ISessionStore, InMemorySessionStore>();
        services.AddAiPersona();
        reduce(services.AddChatClient(model)).UsePersonalization();
        var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IPersonaStore>();
        await store.SaveAsync((await store.GetAsync("ana")).ApplyEdits([PersonaEdit.Set("preferences", "styles", "boutique hotels")], DateTimeOffset.UtcNow));
        return (model, provider);
    }

    // The app keeps the whole conversation and sends it, with its own system prompt first, on every turn.
    private static async Task<List<string>> ChatAsync(IServiceProvider services, int turns)
    {
        var chat = services.GetRequiredService<IChatClient>();
        var options = new ChatOptions { ConversationId = "trip" }.WithPersonaUser("ana");
        List<ChatMessage> history = [new(ChatRole.System, AppPrompt)];
        List<string> said = [];
        for (var turn = 1; turn <= turns; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, $"question {turn}"));
            var response = await chat.GetResponseAsync(history, options);
            history.AddMessages(response);
            said.AddRange([$"question {turn}", response.Text]);
        }

        return said;
    }

    private static async Task AssertStoredOnceWithThePersonaSentAsync(TestChatClient model, IServiceProvider services, List<string> said)
    {
        var session = Assert.Single(await services.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(said, session.Messages.Select(m => m.Text));

        Assert.Equal(said.Count / 2, model.Calls.Count);
        Assert.All(model.Calls, call =>
        {
            Assert.Equal(AppPrompt, call.Messages[0].Text);
            Assert.Contains("boutique hotels", call.Messages[1].Text, StringComparison.Ordinal);
            Assert.Equal(ChatRole.System, call.Messages[1].Role);
        });
    }
}
