using System.Diagnostics;
using System.Globalization;
using AiPersona.CrashWorkload;
using AiPersona.Tests.Storage.PostgreSql;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>
/// Real process deaths on each durable backend: the crash workload (six users chatting nine sessions of four turns
/// each, persona updates in the background) is killed with SIGKILL at seeded moments, some while persona updates run,
/// and run again on the same store, until a run that is not killed finishes. Then no message whose call returned may be
/// lost, no session or message the user sent stored twice (a turn killed after its reply was stored is sent again, and
/// its second reply kept as another reply), every session learned exactly once and in order, and (file system)
/// forgetting the users leaves no file that holds anything of theirs, not even a half-written one a kill left behind.
/// </summary>
/// <remarks>One derived class per backend, so the three run in parallel: on the databases, most of a run is spent
/// waiting for the lease of an update that a kill cut short to expire.</remarks>
public abstract class CrashRecoveryTests : IAsyncDisposable
{
    private const int Users = 6;
    private const int Sessions = 9;
    private const int Turns = 4;
    private const int Kills = 9;
    private const int Seed = 20261128;

    private readonly TempDirectory _directory = new();
    private PostgreSqlTestSchema? _schema;

    /// <summary>Runs the workload on the backend ("filesystem", "sqlite" or "postgresql"), kills it, and checks the
    /// store.</summary>
    protected async Task RunAsync(string backend)
    {
        var (store, schemaName) = backend switch
        {
            "filesystem" => (Path.Combine(_directory.Path, "store"), null),
            "sqlite" => ($"Data Source={Path.Combine(_directory.Path, "aipersona.db")}", null),
            _ => UsePostgreSql(),
        };

        var random = new Random(Seed);
        var runs = new List<string>();
        var killed = 0;
        for (var run = 1; run <= Kills; run++)
        {
            // A third of the kills come a few milliseconds after some line of progress, a third while a persona update
            // is under way (the optimizer has started; it answers after 15 ms, then the persona is saved and its
            // sessions marked learned), and a third as soon as an update saved the persona, before or while its
            // sessions are marked learned.
            var afterLines = random.Next(3, 16);
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 30));
            var (killAfter, moment) = (run % 3) switch
            {
                1 => ((Func<string, int, bool>)((_, count) => count == afterLines), $"after line {afterLines}"),
                2 => ((line, _) => line.StartsWith("optimizing ", StringComparison.Ordinal), "during an update"),
                _ => ((line, _) => line.StartsWith("saved ", StringComparison.Ordinal), "after an update saved"),
            };
            if (run % 3 == 0)
            {
                delay = TimeSpan.Zero; // at once: marking the sessions learned takes about a millisecond
            }

            var started = Stopwatch.GetTimestamp();
            var outcome = await CrashWorkloadProcess.RunAsync(Arguments(backend, store, schemaName, run), killAfter, delay, TestContext.Current.CancellationToken);
            runs.Add($"run {run} (kill {moment}, {delay.TotalMilliseconds:0.#} ms later): exit {outcome.ExitCode} after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
            if (!outcome.KilledMidRun)
            {
                Assert.True(outcome.ExitCode == 0, $"Run {run} failed:\n{outcome.Output}");
                break; // it finished first: the work is done
            }

            killed++;
        }

        var lastStarted = Stopwatch.GetTimestamp();
        var last = await CrashWorkloadProcess.RunAsync(Arguments(backend, store, schemaName, Kills + 1), null, TimeSpan.Zero, TestContext.Current.CancellationToken);
        runs.Add($"last run: exit {last.ExitCode} after {Stopwatch.GetElapsedTime(lastStarted).TotalSeconds:0.0} s");
        Assert.True(last.ExitCode == 0 && last.Output.Contains("DONE", StringComparison.Ordinal), $"The run after {killed} kill(s) failed:\n{string.Join('\n', runs)}\n{last.Output}");
        Assert.True(killed >= Kills / 2, $"Only {killed} run(s) were killed before they finished:\n{string.Join('\n', runs)}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', runs));

        await using var app = Start(backend, store, schemaName);
        await AssertEverythingKeptAndLearnedOnceAsync(app);
        if (backend == "filesystem")
        {
            await AssertForgettingLeavesNothingAsync(app, store);
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static async Task AssertEverythingKeptAndLearnedOnceAsync(ServiceProvider app)
    {
        var personas = app.GetRequiredService<IPersonaStore>();
        var sessionManager = app.GetRequiredService<ISessionManager>();
        for (var user = 0; user < Users; user++)
        {
            var userId = WorkloadScript.UserId(user);

            // One session per conversation, each with every message the user sent, once, in order, and a reply to each.
            var sessions = (await sessionManager.GetSessionsAsync(userId)).OrderBy(s => s.StartedAt).ToList();
            Assert.Equal(Enumerable.Range(1, Sessions).Select(WorkloadScript.ConversationId), sessions.Select(s => s.ConversationId));
            for (var session = 1; session <= Sessions; session++)
            {
                var stored = sessions[session - 1];
                Assert.Equal(SessionState.Learned, stored.State);
                var sent = Enumerable.Range(1, Turns).Select(turn => WorkloadScript.UserText(userId, session, turn)).ToList();
                Assert.Equal(sent, stored.Messages.Where(m => m.Role == "user").Select(m => m.Text));

                // A turn killed after its reply was stored is sent again, and its second reply kept as another reply.
                Assert.Equal(sent.Select(WorkloadScript.ReplyText).ToHashSet(), stored.Messages.Where(m => m.Role == "assistant").Select(m => m.Text).ToHashSet());
            }

            // Every three sessions learned by one saved update, oldest first: none twice, none skipped.
            var persona = await personas.GetAsync(userId);
            Assert.Equal(Sessions.ToString(CultureInfo.InvariantCulture), persona.GetValue(WorkloadScript.Section, WorkloadScript.Field)?.Value);
            var updates = (await personas.GetHistoryAsync(userId)).OrderBy(r => r.Version).ToList();
            Assert.Equal(Sessions / WorkloadScript.SessionsPerUpdate, updates.Count);
            for (var i = 0; i < updates.Count; i++)
            {
                var learned = (i + 1) * WorkloadScript.SessionsPerUpdate;
                Assert.Equal(learned.ToString(CultureInfo.InvariantCulture), updates[i].NewValue);
                Assert.Equal(
                    Enumerable.Range(learned - WorkloadScript.SessionsPerUpdate + 1, WorkloadScript.SessionsPerUpdate).Select(WorkloadScript.ConversationId).ToHashSet(),
                    updates[i].SourceSessionIds.Select(id => sessions.Single(s => s.Id == id).ConversationId!).ToHashSet());
            }
        }
    }

    private static async Task AssertForgettingLeavesNothingAsync(ServiceProvider app, string root)
    {
        var personalized = app.GetRequiredService<IChatClient>().GetService<PersonalizedChatClient>()!;
        for (var user = 0; user < Users; user++)
        {
            await personalized.ForgetUserAsync(WorkloadScript.UserId(user));
        }

        var remaining = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(file => File.ReadAllText(file).Contains("crash-user-", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(root, file));
        Assert.Empty(remaining);
    }

    private string[] Arguments(string backend, string store, string? schemaName, int run)
        => [
            "--backend", backend, "--store", store, .. schemaName is null ? Array.Empty<string>() : ["--schema", schemaName],
            "--journal", Path.Combine(_directory.Path, "journal.txt"),
            "--users", $"{Users}", "--sessions", $"{Sessions}", "--turns", $"{Turns}", "--seed", $"{Seed + run}",
        ];

    private static ServiceProvider Start(string backend, string store, string? schemaName)
    {
        var services = new ServiceCollection();
        var builder = services.AddAiPersona(o => o.Schema = WorkloadScript.CreateSchema());
        _ = backend switch
        {
            "filesystem" => builder.UseFileSystemStorage(store),
            "sqlite" => builder.UseSqlite(store),
            _ => builder.UsePostgreSql(store, o => o.SchemaName = schemaName!),
        };
        services.AddChatClient(Mock.Of<IChatClient>()).UsePersonalization();
        return services.BuildServiceProvider();
    }

    private (string Store, string? SchemaName) UsePostgreSql()
    {
        _schema = PostgreSqlTestSchema.Create();
        return (_schema.ConnectionString, _schema.Name);
    }
}
