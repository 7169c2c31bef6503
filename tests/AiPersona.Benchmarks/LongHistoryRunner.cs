using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Benchmarks;

/// <summary>The long-history comparison as interleaved rounds in one process: new users (the baseline) and users with a
/// long learned history take turns through the same <see cref="PersonalizedChatClient"/> and store, the order of the two
/// groups alternating each round, so the machine's noise falls on both alike.</summary>
/// <remarks>BenchmarkDotNet runs two cases one after the other, each in its own process, and on a shared machine their
/// ratio moves by tens of percent between runs; interleaving the two groups in one process gives a steadier ratio.
/// It prints the median time per turn of each group, their ratio, and the bytes allocated per turn.</remarks>
internal static class LongHistoryRunner
{
    private const int UsersPerGroup = 8;
    private const int Rounds = 100;

    /// <summary>Runs the comparison on every store and prints one line per store.</summary>
    /// <param name="learnedSessions">How many learned sessions each user of the history group has.</param>
    /// <returns>A task that completes when every store was measured.</returns>
    public static async Task RunAsync(int learnedSessions)
    {
        Console.WriteLine($"Turns of new users (baseline) and of users with {learnedSessions} learned sessions, interleaved; {Rounds} rounds of {UsersPerGroup} turns per group.");
        Console.WriteLine("| Storage | New user, median per turn | User with history, median per turn | Ratio | Allocated per turn: new / history |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        await BenchmarkStorage.ForEachStoreAsync(storage => RunAsync(storage, learnedSessions), emptyCells: 3);
    }

    private static async Task RunAsync(BenchmarkStorage storage, int learnedSessions)
    {
        var services = new ServiceCollection();
        storage.Use(services.AddAiPersona(o => o.PersonaCacheDuration = TimeSpan.FromHours(1)));
        services.AddChatClient(new FixedReplyChatClient()).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        var sessions = provider.GetRequiredService<ISessionStore>();
        var personas = provider.GetRequiredService<IPersonaStore>();

        string[][] groups = [Users("new"), Users("long")];
        var conversations = new Dictionary<string, List<ChatMessage>>(StringComparer.Ordinal);
        for (var g = 0; g < groups.Length; g++)
        {
            for (var i = 0; i < UsersPerGroup; i++)
            {
                var userId = groups[g][i];
                await personas.SaveAsync(Persona.CreateEmpty(userId).ApplyEdits(BenchmarkPersonas.Edits(i), HistorySeeder.Start));
                if (g == 1)
                {
                    await HistorySeeder.SeedLearnedSessionsAsync(sessions, userId, learnedSessions);
                }

                conversations[userId] = [];
                await TurnAsync(client, conversations[userId], userId, "Which museums open late on Fridays near the river?");
            }
        }

        await provider.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        var times = new[] { new List<double>(Rounds), new List<double>(Rounds) };
        var allocated = new long[2];
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var g in round % 2 == 0 ? [0, 1] : new[] { 1, 0 })
            {
                var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                var started = Stopwatch.GetTimestamp();
                foreach (var userId in groups[g])
                {
                    await TurnAsync(client, conversations[userId], userId, $"Follow-up question {round} about my trip.");
                }

                times[g].Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / UsersPerGroup);
                allocated[g] += GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
            }
        }

        var baseline = Measurements.Median(times[0]);
        var history = Measurements.Median(times[1]);
        var turns = (double)Rounds * UsersPerGroup;
        Console.WriteLine($"| {storage.Kind} | {baseline:F1} µs | {history:F1} µs | {history / baseline:F2} | {allocated[0] / turns / 1024:F1} KB / {allocated[1] / turns / 1024:F1} KB |");
    }

    private static string[] Users(string prefix) => [.. Enumerable.Range(0, UsersPerGroup).Select(i => $"{prefix}-{i:D2}")];

    private static async Task TurnAsync(IChatClient client, List<ChatMessage> conversation, string userId, string text)
    {
        conversation.Add(new ChatMessage(ChatRole.User, text));
        var response = await client.GetResponseAsync(conversation, new ChatOptions { ConversationId = "trip-planning" }.WithPersonaUser(userId));
        conversation.AddRange(response.Messages);
    }
}
