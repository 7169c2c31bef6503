using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Benchmarks;

/// <summary>What a periodic sweep (<see cref="PersonaUpdateScheduler.RecoverAsync"/>) costs when almost nobody has an
/// update due, against two baselines in the same process: requesting an update for every user with unlearned sessions
/// (what RecoverAsync did before it checked first), and checking every such user (what it did before the store narrowed
/// the list to users at most one session short of k). Rounds rotate the three, so the machine's noise falls on all.</summary>
internal static class SweepRunner
{
    private const int Rounds = 10;

    /// <summary>Runs the comparison on every store and prints one line per store.</summary>
    /// <param name="users">How many users have an open session (and a tenth of them, two completed sessions too).</param>
    /// <returns>A task that completes when every store was measured.</returns>
    public static async Task RunAsync(int users)
    {
        Console.WriteLine($"Sweeps over {users} users with an open session, {users / 10} of them one session short of k = 3; nothing is due. Median of {Rounds} sweeps each, interleaved.");
        Console.WriteLine("| Storage | Request every user (baseline) | Check every user | RecoverAsync | Ratio to baseline | Ratio to checking every user | Optimizer calls |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        await BenchmarkStorage.ForEachStoreAsync(storage => RunAsync(storage, users), emptyCells: 5);
    }

    private static async Task RunAsync(BenchmarkStorage storage, int users)
    {
        var services = new ServiceCollection();
        storage.Use(services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Background));
        var optimizer = new CountingChatClient();
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizer);
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        var scheduler = provider.GetRequiredService<PersonaUpdateScheduler>();

        for (var i = 0; i < users; i++)
        {
            var userId = $"user-{i:D5}";
            if (i % 10 == 0)
            {
                for (var s = 0; s < 2; s++)
                {
                    await sessions.RecordTurnAsync(userId, $"done-{s}", [new ChatMessage(ChatRole.User, "A finished question")], [new ChatMessage(ChatRole.Assistant, "An answer")]);
                    await sessions.EndSessionAsync(userId);
                }
            }

            await sessions.RecordTurnAsync(userId, "open", [new ChatMessage(ChatRole.User, "Which museums open late on Fridays?")], [new ChatMessage(ChatRole.Assistant, "Several do.")]);
        }

        var times = new[] { new List<double>(Rounds), new List<double>(Rounds), new List<double>(Rounds) };
        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < 3; i++)
            {
                var way = (round + i) % 3;
                var started = Stopwatch.GetTimestamp();
                if (way == 0)
                {
                    foreach (var userId in await sessions.GetUsersWithUnlearnedSessionsAsync())
                    {
                        await scheduler.RequestUpdateAsync(userId);
                    }
                }
                else if (way == 1)
                {
                    // The sweep before the store narrowed the list: a count for every user with unlearned sessions, and one
                    // short of k, the turn boundaries (which complete an idle open session).
                    foreach (var userId in await sessions.GetUsersWithUnlearnedSessionsAsync())
                    {
                        if (await sessions.CountPendingSessionsAsync(userId) == 2)
                        {
                            await sessions.BeginTurnAsync(userId, conversationId: null);
                        }
                    }
                }
                else
                {
                    await scheduler.RecoverAsync();
                }

                await scheduler.WhenIdleAsync();
                times[way].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        var baseline = Measurements.Median(times[0]);
        var checkEvery = Measurements.Median(times[1]);
        var recover = Measurements.Median(times[2]);
        Console.WriteLine($"| {storage.Kind} | {baseline:F1} ms | {checkEvery:F1} ms | {recover:F1} ms | {recover / baseline:F2} | {recover / checkEvery:F2} | {optimizer.Calls} |");
    }

    // Nothing is due, so the optimizer must never be asked: the count shows the comparison measured no updates.
    private sealed class CountingChatClient : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"edits":[]}""")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
