using System.Diagnostics;

namespace AiPersona.Benchmarks;

/// <summary>What <see cref="AiPersonaStorageCopy"/> costs, against a baseline in the same process: writing the same data
/// straight into the same kind of fresh store, one save per persona and one create per session in its final state, with
/// none of the copy's checks (what is already there, conflicts) and none of its state steps (a session is created open,
/// then completed, then marked learned, so an interrupted copy can be finished). Rounds alternate the two.</summary>
internal static class CopyRunner
{
    private const int Rounds = 3;
    private const int SessionsPerUser = 10;

    /// <summary>Copies an in-memory source into every store and prints one line per store.</summary>
    /// <param name="users">How many users the source holds, each with a persona of three versions and ten sessions.</param>
    /// <returns>A task that completes when every store was measured.</returns>
    public static async Task RunAsync(int users)
    {
        var personas = new InMemoryPersonaStore();
        var sessions = new InMemorySessionStore();
        await PopulateAsync(personas, sessions, users);
        var total = users * SessionsPerUser;
        Console.WriteLine($"Copying {users} users ({users} personas of 3 versions, {total} sessions of 4 messages: 8 learned, 1 pending, 1 open per user) from memory into fresh storage. Median of {Rounds} rounds each, alternating.");
        Console.WriteLine("| Target storage | Direct writes (baseline) | AiPersonaStorageCopy | Ratio to baseline | Sessions per second (copy) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var postgres = Environment.GetEnvironmentVariable("AIPERSONA_POSTGRES");
        foreach (var kind in Enum.GetValues<StoreKind>())
        {
            if (kind == StoreKind.PostgreSql && string.IsNullOrWhiteSpace(postgres))
            {
                Console.WriteLine("| PostgreSql | not run: set AIPERSONA_POSTGRES to a connection string (see docs/storage.md) | | | |");
                continue;
            }

            var direct = new List<double>(Rounds);
            var copy = new List<double>(Rounds);
            for (var round = 0; round < 2 * Rounds; round++)
            {
                var viaCopy = round % 2 == 1;
                await using var storage = new BenchmarkStorage(kind, postgres);
                var (targetPersonas, targetSessions, target) = storage.CreateStores();
                await using (target)
                {
                    // First use creates a database's schema: not part of either measurement.
                    await targetPersonas.GetAsync("warm-up");
                    var started = Stopwatch.GetTimestamp();
                    if (viaCopy)
                    {
                        var result = await AiPersonaStorageCopy.CopyAsync(personas, sessions, targetPersonas, targetSessions);
                        if (!result.IsComplete || result.SessionsCopied != total || result.PersonasCopied != users)
                        {
                            throw new InvalidOperationException($"The copy was not whole: {result}");
                        }
                    }
                    else
                    {
                        await WriteDirectlyAsync(personas, sessions, targetPersonas, targetSessions);
                    }

                    (viaCopy ? copy : direct).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            var baseline = Measurements.Median(direct);
            var copied = Measurements.Median(copy);
            Console.WriteLine($"| {kind} | {baseline:F0} ms | {copied:F0} ms | {copied / baseline:F2} | {total / (copied / 1000):F0} |");
        }
    }

    private static async Task WriteDirectlyAsync(IPersonaStore personas, ISessionStore sessions, IPersonaStore targetPersonas, ISessionStore targetSessions)
    {
        await foreach (var userId in personas.GetUserIdsAsync())
        {
            await targetPersonas.SaveAsync(new PersonaChange(0, await personas.GetAsync(userId), await personas.GetHistoryAsync(userId)));
        }

        await foreach (var userId in sessions.GetUserIdsAsync())
        {
            foreach (var session in await sessions.GetSessionsAsync(userId))
            {
                await targetSessions.CreateAsync(session);
            }
        }
    }

    private static async Task PopulateAsync(IPersonaStore personas, ISessionStore sessions, int users)
    {
        var at = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
        for (var u = 0; u < users; u++)
        {
            var userId = $"user-{u:D5}";
            var ids = new List<string>();
            for (var s = 0; s < SessionsPerUser; s++)
            {
                at = at.AddMinutes(7);
                var id = Guid.CreateVersion7(at).ToString("N");
                ids.Add(id);
                SessionMessage[] messages =
                [
                    new("user", "Which museums open late on Fridays?", at),
                    new("assistant", "Several do: the modern art museum until ten, the science centre until nine.", at),
                    new("user", "Book two tickets for the science centre, please.", at.AddMinutes(1)),
                    new("assistant", "Done: two tickets for Friday at seven.", at.AddMinutes(1)),
                ];
                await sessions.CreateAsync(new ConversationSession(id, userId, $"c{s}", SessionState.Open, at, at.AddMinutes(1), null, null, messages));
                if (s < SessionsPerUser - 1)
                {
                    await sessions.CompleteAsync(userId, id, at.AddMinutes(2));
                }
            }

            var persona = Persona.CreateEmpty(userId);
            string[] values = ["evenings", "museums and science", "short lists"];
            for (var v = 0; v < values.Length; v++)
            {
                var change = persona.ApplyEdits([PersonaEdit.Set("preferences", $"field{v}", values[v], "asked for it", ids[v])], at);
                persona = await personas.SaveAsync(change);
            }

            await sessions.MarkLearnedAsync(userId, ids.Take(SessionsPerUser - 2).ToList(), at.AddMinutes(3));
        }
    }
}
