using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Storage;

/// <summary>Four app instances (service providers) share one database; every user chats 9 sessions, all users interleaved
/// in parallel, each turn on whichever instance the "load balancer" picks. Every batch of 3 sessions must be learned
/// exactly once across all instances, and no session or message may be lost. Derive once per shared backend.</summary>
public abstract partial class MultiInstanceTests
{
    private const int Instances = 4;
    private const int SessionsPerUser = 9;
    private const int TurnsPerSession = 2;
    private readonly ConcurrentBag<string> _learnedSessionLabels = [];
    private int _optimizerRuns;

    /// <summary>Gets how many users chat (at most 100).</summary>
    protected abstract int Users { get; }

    /// <summary>Points one instance at the shared database.</summary>
    protected abstract void UseSharedStorage(IAiPersonaBuilder builder);

    /// <summary>Runs the scenario; the derived test calls it once its database is ready.</summary>
    protected async Task RunAsync()
    {
        var instances = Enumerable.Range(0, Instances).Select(_ => BuildInstance()).ToList();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Users).Select(u => Task.Run(() => ChatAsUserAsync(u, instances))));
            foreach (var instance in instances)
            {
                await instance.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();
            }

            Assert.Equal(Users * SessionsPerUser / 3, _optimizerRuns);
            Assert.Equal(_learnedSessionLabels.Count, _learnedSessionLabels.Distinct().Count()); // no session learned twice
            Assert.Equal(Users * SessionsPerUser, _learnedSessionLabels.Count);                  // and none left out

            var store = instances[0].GetRequiredService<IPersonaStore>();
            var sessions = instances[0].GetRequiredService<ISessionManager>();
            for (var u = 0; u < Users; u++)
            {
                var user = UserId(u);
                Assert.Equal(3, (await store.GetAsync(user)).Version);
                Assert.Equal(3, (await store.GetHistoryAsync(user)).Count);
                var all = await sessions.GetSessionsAsync(user);
                Assert.Equal(SessionsPerUser, all.Count);
                Assert.All(all, s => Assert.Equal(SessionState.Learned, s.State));
                Assert.All(all, s => Assert.Equal(TurnsPerSession * 2, s.Messages.Count));
            }
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    private static string UserId(int u) => $"user-{u:D2}";

    private static async Task ChatAsUserAsync(int u, List<ServiceProvider> instances)
    {
        var random = new Random(u);
        for (var s = 1; s <= SessionsPerUser; s++)
        {
            var history = new List<ChatMessage>();
            var options = new ChatOptions { ConversationId = $"{UserId(u)}-session-{s}" }.WithPersonaUser(UserId(u));
            for (var t = 1; t <= TurnsPerSession; t++)
            {
                var client = instances[random.Next(Instances)].GetRequiredService<IChatClient>();
                history.Add(User($"[{UserId(u)}/S{s}] turn {t}"));
                var response = await client.GetResponseAsync(history, options);
                history.AddRange(response.Messages);
            }
        }

        // The last session ends explicitly, on some instance, so all nine are complete.
        await instances[random.Next(Instances)].GetRequiredService<IChatClient>().GetService<PersonalizedChatClient>()!.EndSessionAsync(UserId(u));
    }

    private ServiceProvider BuildInstance()
    {
        var optimizer = new TestChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                Interlocked.Increment(ref _optimizerRuns);
                var prompt = messages[^1].Text;
                var transcripts = prompt[prompt.IndexOf("## Sessions", StringComparison.Ordinal)..]; // not the current persona
                var seen = SessionMarker().Matches(transcripts).Select(m => m.Value).Distinct().ToList();
                foreach (var label in seen)
                {
                    _learnedSessionLabels.Add(label);
                }

                var labels = string.Join(",", Regex.Matches(prompt, @"### (S\d+)").Select(m => FakeModels.Json(m.Groups[1].Value)));
                var value = FakeModels.Json("Talked about " + string.Join(" ", seen));
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                    $$"""{"edits":[{"section":"patterns","field":"usage","action":"set","value":{{value}},"reason":"seen","sessions":[{{labels}}]}]}""")));
            },
        };
        var services = new ServiceCollection();
        UseSharedStorage(services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Background));
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizer);
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        return services.BuildServiceProvider();
    }

    [GeneratedRegex(@"\[user-\d\d/S\d\]")]
    private static partial Regex SessionMarker();
}
