using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Update_EmitsAnActivityTaggedWithTheHashedUser_NotTheRawId()
    {
        using var collected = new StoppedActivities();
        var userId = "telemetry-" + Guid.NewGuid().ToString("N");
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        await sessions.RecordTurnAsync(userId, null, [User("hi")], [Assistant("hello")]);
        await sessions.EndSessionAsync(userId);
        var optimizer = new Mock<IPersonaOptimizer>();
        optimizer.Setup(o => o.OptimizeAsync(It.IsAny<PersonaOptimizationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(PersonaOptimizationResult.Success([]));
        using var updater = new PersonaUpdater(new InMemoryPersonaStore(), sessions, optimizer.Object, TestOptions.Create(o => o.SessionsPerUpdate = 1));

        await updater.UpdateAsync(userId);

        var update = Assert.Single(collected.Snapshot(), a => a.OperationName == "aipersona.persona.update" && (string?)a.GetTagItem("aipersona.user.hash") == UserIdHash.Of(userId));

        Assert.Equal(1, update.GetTagItem("aipersona.sessions.count"));
        Assert.DoesNotContain(update.TagObjects, t => t.Value is string s && s.Contains(userId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatTurn_IsASpanAroundTheProviderCall_SayingWhetherThePersonaWentAlong(bool streaming)
    {
        using var collected = new StoppedActivities();
        var userId = "telemetry-" + Guid.NewGuid().ToString("N");
        var userHash = UserIdHash.Of(userId);
        var model = FakeModels.Chat();
        var currentAtProvider = new List<Activity?>();
        var answer = model.GetResponseAsyncCallback!;
        var stream = model.GetStreamingResponseAsyncCallback!;
        model.GetResponseAsyncCallback = (m, o, ct) => { currentAtProvider.Add(Activity.Current); return answer(m, o, ct); };
        model.GetStreamingResponseAsyncCallback = (m, o, ct) => { currentAtProvider.Add(Activity.Current); return stream(m, o, ct); };
        var services = new ServiceCollection();
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.SessionsPerUpdate = 1; });
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
        services.AddChatClient(model).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        // Session 1 (nothing learned yet); session 2, whose first turn completes session 1 and learns from it (k = 1);
        // then a private turn.
        await ChatAsync(client, streaming, new ChatOptions { ConversationId = "c1" }.WithPersonaUser(userId), "I like tennis");
        await ChatAsync(client, streaming, new ChatOptions { ConversationId = "c2" }.WithPersonaUser(userId), "What now?");
        await ChatAsync(client, streaming, new ChatOptions().WithPersonaUser(userId).WithPersonalization(PersonalizationMode.Private), "A secret");

        // Each provider call ran inside its own turn's span, which has ended since.
        Assert.Equal(3, currentAtProvider.Count);
        var turns = currentAtProvider.Select(a => Assert.IsType<Activity>(a)).ToList();
        Assert.All(turns, a => Assert.Equal("aipersona.chat", a.OperationName));
        Assert.Equal(3, turns.Distinct().Count());
        var activities = collected.Snapshot();
        Assert.All(turns, a => Assert.Contains(a, activities));
        var updates = activities.Where(a => a.OperationName == "aipersona.persona.update" && (string?)a.GetTagItem("aipersona.user.hash") == userHash).ToList();

        Assert.Equal([(userHash, false, true, 0), (userHash, true, true, 0)], turns.Take(2).Select(a => (
            (string?)a.GetTagItem("aipersona.user.hash"), (bool?)a.GetTagItem("aipersona.persona.sent"), (bool?)a.GetTagItem("aipersona.turn.recorded"), (int?)a.GetTagItem("aipersona.sessions.pending"))));
        Assert.Empty(turns[2].TagObjects); // a private turn: no user, nothing sent, nothing recorded

        // The inline update ran inside the turn that started it.
        var update = Assert.Single(updates);
        Assert.Same(turns[1], update.Parent);
        Assert.All(turns, a => Assert.DoesNotContain(a.TagObjects, t => t.Value is string s && s.Contains(userId, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RecoveredUpdates_AreNotPartOfTheTraceOfTheTurnThatStartedRecovery()
    {
        using var collected = new StoppedActivities();
        var (ana, bob) = ("telemetry-" + Guid.NewGuid().ToString("N"), "telemetry-" + Guid.NewGuid().ToString("N"));

        // Three sessions of ana completed before this "process" started.
        var store = new InMemorySessionStore();
        var earlier = new SessionManager(store, TestOptions.Create());
        for (var s = 1; s <= 3; s++)
        {
            await earlier.RecordTurnAsync(ana, $"c{s}", [User($"I like thing{s}")], [Assistant("ok")]);
            await earlier.EndSessionAsync(ana);
        }

        var services = new ServiceCollection();
        services.AddSingleton<ISessionStore>(store);
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Background);
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        await using var provider = services.BuildServiceProvider();

        // Bob's turn starts recovery, which learns ana's sessions.
        await provider.GetRequiredService<IChatClient>().GetResponseAsync([User("hi")], new ChatOptions().WithPersonaUser(bob));
        await provider.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        var activities = collected.Snapshot();
        Assert.Single(activities, a => a.OperationName == "aipersona.chat" && (string?)a.GetTagItem("aipersona.user.hash") == UserIdHash.Of(bob));
        var update = Assert.Single(activities, a => a.OperationName == "aipersona.persona.update" && (string?)a.GetTagItem("aipersona.user.hash") == UserIdHash.Of(ana));

        Assert.Null(update.Parent);
        Assert.Equal(1, (await provider.GetRequiredService<IPersonaStore>().GetAsync(ana)).Version);
    }

    private static async Task ChatAsync(IChatClient client, bool streaming, ChatOptions options, string text)
    {
        if (streaming)
        {
            await client.GetStreamingResponseAsync([User(text)], options).ToChatResponseAsync();
        }
        else
        {
            await client.GetResponseAsync([User(text)], options);
        }
    }

    // Every AiPersona activity that stops while it is alive (from any test running in parallel too: filter by user).
    private sealed class StoppedActivities : IDisposable
    {
        private readonly List<Activity> _stopped = [];
        private readonly ActivityListener _listener;

        public StoppedActivities()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "AiPersona",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    lock (_stopped)
                    {
                        _stopped.Add(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> Snapshot()
        {
            lock (_stopped)
            {
                return [.. _stopped];
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
