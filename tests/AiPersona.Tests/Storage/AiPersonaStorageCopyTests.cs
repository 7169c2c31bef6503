using System.Text.Json;
using AiPersona.Tests.Differential;
using AiPersona.Tests.Storage.PostgreSql;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AiPersona.Tests.Storage;

/// <summary>
/// <see cref="AiPersonaStorageCopy"/> between real backends: data an app wrote through the session manager and the
/// persona store (personas with several versions and provenance, sessions learned, pending and open, awkward user ids)
/// must arrive whole, the source must be left as it was, the app must continue on the target where it stopped, a copy
/// interrupted at any write must finish when run again, and nothing the target already holds is overwritten.
/// </summary>
public sealed class AiPersonaStorageCopyTests : IAsyncDisposable
{
    private const string OnlySessions = "only-sessions";
    private const string OnlyPersona = "only-persona";
    private static readonly string[] Learners = ["ana", "../../x", "ümlaut 用户 🙂"];

    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly List<TempDirectory> _directories = [];

    [Theory]
    [InlineData("memory", "filesystem")]
    [InlineData("filesystem", "sqlite")]
    [InlineData("sqlite", "postgresql")]
    [InlineData("postgresql", "memory")]
    public async Task EverythingArrives_TheSourceIsUntouched_AndTheAppContinuesOnTheTarget(string from, string to)
    {
        var source = AppOn(from);
        await PopulateAsync(source);
        var sourceBefore = await SnapshotAsync(source);
        var target = AppOn(to);

        var result = await CopyAsync(source, target);

        Assert.Empty(result.Conflicts);
        Assert.True(result.IsComplete);
        Assert.Equal((4, 0, 16, 0), (result.PersonasCopied, result.PersonasAlreadyPresent, result.SessionsCopied, result.SessionsAlreadyPresent));
        Assert.Equal(sourceBefore, await SnapshotAsync(target));
        Assert.Equal(sourceBefore, await SnapshotAsync(source));

        // Run again: everything is recognised, nothing is written twice.
        var again = await CopyAsync(source, target);
        Assert.Equal((0, 4, 0, 16, 0), (again.PersonasCopied, again.PersonasAlreadyPresent, again.SessionsCopied, again.SessionsAlreadyPresent, again.Conflicts.Count));
        Assert.Equal(sourceBefore, await SnapshotAsync(target));

        // The app restarts on the target: the open session continues (its resent history is not stored again), the
        // pending session is still pending, and the next persona change builds on the copied version.
        target.Time.SetUtcNow(source.Time.GetUtcNow());
        var turn = await target.Sessions.RecordTurnAsync("ana", "conv-3", [.. Conversation(3), new ChatMessage(ChatRole.User, "one more thing")], [new ChatMessage(ChatRole.Assistant, "go on")]);
        var open = (await source.Sessions.GetSessionsAsync("ana")).Single(s => s.State == SessionState.Open);
        Assert.Equal((open.Id, 2, 1), (turn.SessionId, turn.AddedMessageCount, turn.PendingSessionCount));
        var persona = await target.Store.GetAsync("ana");
        Assert.Equal(3, (await target.Store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("preferences", "styles", "brief")], target.Time.GetUtcNow()))).Version);
    }

    [Fact]
    public async Task Progress_IsReportedAfterEachUsersPersonaAndSessions_EndingWithTheResult()
    {
        var source = AppOn("memory");
        await PopulateAsync(source);
        var target = AppOn("sqlite");
        var reports = new List<StorageCopyResult>();
        var progress = new Mock<IProgress<StorageCopyResult>>();
        progress.Setup(p => p.Report(It.IsAny<StorageCopyResult>())).Callback<StorageCopyResult>(reports.Add);

        var result = await AiPersonaStorageCopy.CopyAsync(source.Services, target.Services, progress.Object);

        // Four users with a persona, then four with sessions (four sessions each); the totals only grow.
        Assert.Equal([1, 2, 3, 4, 4, 4, 4, 4], reports.Select(r => r.PersonasCopied));
        Assert.Equal([0, 0, 0, 0, 4, 8, 12, 16], reports.Select(r => r.SessionsCopied));
        var last = reports[^1];
        Assert.Equal(
            (result.PersonasCopied, result.PersonasAlreadyPresent, result.SessionsCopied, result.SessionsAlreadyPresent, result.Conflicts.Count),
            (last.PersonasCopied, last.PersonasAlreadyPresent, last.SessionsCopied, last.SessionsAlreadyPresent, last.Conflicts.Count));
    }

    [Fact]
    public async Task ACopyInterruptedAtAnyWrite_FinishesWhenRunAgain()
    {
        var source = AppOn("filesystem");
        await PopulateAsync(source);
        var expected = await SnapshotAsync(source);
        var writes = 0;
        for (var failAt = 0; ; failAt++)
        {
            var target = AppOn("memory");
            var counter = new FailingWrites(failAt);
            var interrupted = await Record.ExceptionAsync(
                () => AiPersonaStorageCopy.CopyAsync(source.Store, SessionStore(source), counter.Wrap(target.Store), counter.Wrap(SessionStore(target))));
            if (interrupted is null)
            {
                writes = counter.Writes;
                break;
            }

            Assert.IsType<IOException>(interrupted);
            var resumed = await CopyAsync(source, target);
            Assert.Empty(resumed.Conflicts);
            Assert.Equal(4, resumed.PersonasCopied + resumed.PersonasAlreadyPresent);
            Assert.Equal(16, resumed.SessionsCopied + resumed.SessionsAlreadyPresent);
            Assert.Equal(expected, await SnapshotAsync(target));
        }

        // 4 personas; 16 sessions created, 12 of them completed and 6 of those learned.
        Assert.Equal(4 + 16 + 12 + 6, writes);
    }

    [Fact]
    public async Task WhatTheTargetHoldsDifferently_IsReported_AndLeftAsItIs_WhileEverythingElseIsCopied()
    {
        var source = AppOn("sqlite");
        await PopulateAsync(source);
        var target = AppOn("filesystem");
        var older = Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("demographics", "name", "Someone else")], DifferentialApp.Start);
        var sameVersion = Persona.CreateEmpty(OnlyPersona).ApplyEdits([PersonaEdit.Set("demographics", "age", "41")], DifferentialApp.Start);
        await target.Store.SaveAsync(older);
        await target.Store.SaveAsync(sameVersion);
        await target.Sessions.RecordTurnAsync(OnlySessions, "elsewhere", [new ChatMessage(ChatRole.User, "a session only the target has")], []);

        var result = await CopyAsync(source, target);

        Assert.False(result.IsComplete);
        Assert.Equal(["ana", OnlyPersona, OnlySessions], result.Conflicts.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.Contains("version 1 of the persona, which differs from the source's version 2", result.Conflicts.Single(c => c.UserId == "ana").Reason, StringComparison.Ordinal);
        Assert.Contains("version 1 of the persona, which differs from the source's version 1", result.Conflicts.Single(c => c.UserId == OnlyPersona).Reason, StringComparison.Ordinal);
        Assert.Contains("which the source does not have", result.Conflicts.Single(c => c.UserId == OnlySessions).Reason, StringComparison.Ordinal);
        Assert.Equal((2, 0, 12, 0), (result.PersonasCopied, result.PersonasAlreadyPresent, result.SessionsCopied, result.SessionsAlreadyPresent));
        Assert.Equal(Json(older.Updated), Json(await target.Store.GetAsync("ana")));
        Assert.Equal(Json(sameVersion.Updated), Json(await target.Store.GetAsync(OnlyPersona)));
        Assert.Equal("a session only the target has", Assert.Single(Assert.Single(await target.Sessions.GetSessionsAsync(OnlySessions)).Messages).Text);
        Assert.Equal(
            (await source.Sessions.GetSessionsAsync("ana")).Select(Json),
            (await target.Sessions.GetSessionsAsync("ana")).Select(Json));

        // The app went on with the target after the copy: a rerun reports each user whose sessions moved on and writes
        // nothing for them.
        target.Time.SetUtcNow(source.Time.GetUtcNow());
        await target.Sessions.RecordTurnAsync("../../x", "conv-3", [.. Conversation(3), new ChatMessage(ChatRole.User, "later")], []);
        await target.Sessions.MarkLearnedAsync("ana", [(await target.Sessions.GetPendingSessionsAsync("ana")).Single().Id]);
        await target.Sessions.RecordTurnAsync(Learners[2], "conv-9", [new ChatMessage(ChatRole.User, "a new conversation")], []);
        var before = await SnapshotAsync(target);

        var later = await CopyAsync(source, target);

        Assert.Equal(before, await SnapshotAsync(target));
        var reasons = later.Conflicts.GroupBy(c => c.UserId).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(c => c.Reason)));
        Assert.Contains("holds other messages", reasons["../../x"], StringComparison.Ordinal);
        Assert.Contains("is Learned, further on than the source's (Completed)", reasons["ana"], StringComparison.Ordinal);
        Assert.Contains("holds 5 sessions of the user, the source 4", reasons[Learners[2]], StringComparison.Ordinal);
        Assert.Equal(["../../x", "ana", OnlyPersona, OnlySessions, Learners[2]], reasons.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((0, 2, 0, 0), (later.PersonasCopied, later.PersonasAlreadyPresent, later.SessionsCopied, later.SessionsAlreadyPresent));
    }

    [Fact]
    public async Task AUserDeletedFromTheSourceDuringTheCopy_IsSkipped_AndAPersonaWrittenToTheTargetMeanwhile_IsAConflict()
    {
        var raced = Persona.CreateEmpty("raced").ApplyEdits([PersonaEdit.Set("demographics", "age", "40")], DifferentialApp.Start).Updated;
        var source = new Mock<IPersonaStore>();
        source.Setup(s => s.GetUserIdsAsync(It.IsAny<CancellationToken>())).Returns(new[] { "gone", "raced" }.ToAsyncEnumerable());
        source.Setup(s => s.GetAsync("gone", It.IsAny<CancellationToken>())).ReturnsAsync(Persona.CreateEmpty("gone"));
        source.Setup(s => s.GetAsync("raced", It.IsAny<CancellationToken>())).ReturnsAsync(raced);
        source.Setup(s => s.GetHistoryAsync("raced", It.IsAny<CancellationToken>())).ReturnsAsync([]);
        var target = new Mock<IPersonaStore>();
        target.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((string user, CancellationToken _) => Persona.CreateEmpty(user));
        target.Setup(s => s.SaveAsync(It.IsAny<PersonaChange>(), It.IsAny<CancellationToken>())).ThrowsAsync(new PersonaConcurrencyException(0, 1));

        var result = await AiPersonaStorageCopy.CopyAsync(source.Object, new InMemorySessionStore(), target.Object, new InMemorySessionStore());

        Assert.Equal((0, 0), (result.PersonasCopied, result.PersonasAlreadyPresent));
        var conflict = Assert.Single(result.Conflicts);
        Assert.Equal("raced", conflict.UserId);
        Assert.Contains("during the copy", conflict.Reason, StringComparison.Ordinal);
        target.Verify(s => s.SaveAsync(It.Is<PersonaChange>(c => c.Updated.UserId == "gone"), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ASessionTheTargetHoldsWithOtherText_IsAConflict_EvenWithTheSameRolesAndCount()
    {
        var at = DifferentialApp.Start;
        var id = Guid.CreateVersion7(at).ToString("N");
        ConversationSession Session(string reply) => new(id, "ana", "c", SessionState.Open, at, at, null, null, [new("user", "hello", at), new("assistant", reply, at)]);
        var source = new InMemorySessionStore();
        var target = new InMemorySessionStore();
        await source.CreateAsync(Session("hi"));
        await target.CreateAsync(Session("a reply the source never had"));

        var result = await AiPersonaStorageCopy.CopyAsync(new InMemoryPersonaStore(), source, new InMemoryPersonaStore(), target);

        Assert.Contains("holds other messages", Assert.Single(result.Conflicts).Reason, StringComparison.Ordinal);
        Assert.Equal("a reply the source never had", Assert.Single(await target.GetSessionsAsync("ana")).Messages[1].Text);
    }

    [Fact]
    public async Task AStoreCopiedOntoItself_OrMissing_IsRefused()
    {
        var app = AppOn("memory");
        await Assert.ThrowsAsync<ArgumentException>(() => AiPersonaStorageCopy.CopyAsync(app.Store, SessionStore(app), app.Store, new InMemorySessionStore()));
        await Assert.ThrowsAsync<ArgumentException>(() => AiPersonaStorageCopy.CopyAsync(app.Store, SessionStore(app), new InMemoryPersonaStore(), SessionStore(app)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => AiPersonaStorageCopy.CopyAsync(null!, SessionStore(app), new InMemoryPersonaStore(), new InMemorySessionStore()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => AiPersonaStorageCopy.CopyAsync(app.Store, SessionStore(app), new InMemoryPersonaStore(), null!));
        await Assert.ThrowsAsync<ArgumentException>(() => AiPersonaStorageCopy.CopyAsync(app.Services, app.Services));
        await Assert.ThrowsAsync<ArgumentNullException>(() => AiPersonaStorageCopy.CopyAsync(app.Services, null!));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directories.ForEach(static d => d.Dispose());
    }

    // Three users who chatted four sessions each (two learned from, one pending, one open) and have a persona of two
    // versions, a user with sessions only (all pending or open) and one with a persona only.
    private static async Task PopulateAsync(DifferentialApp app)
    {
        foreach (var user in Learners.Append(OnlySessions))
        {
            for (var s = 0; s < 4; s++)
            {
                await app.Sessions.RecordTurnAsync(user, $"conv-{s}", Conversation(s).Take(1), Conversation(s).Skip(1).Take(1));
                app.Time.Advance(TimeSpan.FromMinutes(1));
                await app.Sessions.RecordTurnAsync(user, $"conv-{s}", Conversation(s).Take(3), Conversation(s).Skip(3));
                app.Time.Advance(TimeSpan.FromMinutes(1));
                if (s < 3)
                {
                    await app.Sessions.EndSessionAsync(user);
                }
            }

            if (user == OnlySessions)
            {
                continue;
            }

            var pending = await app.Sessions.GetPendingSessionsAsync(user);
            var first = Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", $"{user} herself", "said so", pending[0].Id)], app.Time.GetUtcNow());
            await app.Store.SaveAsync(first);
            app.Time.Advance(TimeSpan.FromMinutes(1));
            await app.Store.SaveAsync(first.Updated.ApplyEdits(
                [PersonaEdit.Set("preferences", "formats", "lists", "asked twice", pending[0].Id, pending[1].Id), PersonaEdit.Remove("demographics", "name", "asked to forget")],
                app.Time.GetUtcNow()));
            await app.Sessions.MarkLearnedAsync(user, [pending[0].Id, pending[1].Id]);
        }

        await app.Store.SaveAsync(Persona.CreateEmpty(OnlyPersona).ApplyEdits([PersonaEdit.Set("demographics", "age", "40")], app.Time.GetUtcNow()));
    }

    private static ChatMessage[] Conversation(int session) =>
    [
        new(ChatRole.User, $"hello {session}"),
        new(ChatRole.Assistant, $"hi {session}"),
        new(ChatRole.User, $"tell me more {session} 🙂"),
        new(ChatRole.Assistant, $"sure {session}"),
    ];

    // Every user's persona, history and sessions as JSON, sorted by user id.
    private static async Task<List<string>> SnapshotAsync(DifferentialApp app)
    {
        var personaUsers = await app.Store.GetUserIdsAsync().ToListAsync();
        var sessionUsers = await SessionStore(app).GetUserIdsAsync().ToListAsync();
        var snapshot = new List<string>();
        foreach (var user in personaUsers.Union(sessionUsers).Order(StringComparer.Ordinal))
        {
            snapshot.Add($"{user}: {Json(await app.Store.GetAsync(user))}");
            snapshot.Add($"{user}: {JsonSerializer.Serialize(await app.Store.GetHistoryAsync(user), AiPersonaJsonContext.Default.IReadOnlyListPersonaRevision)}");
            snapshot.AddRange((await app.Sessions.GetSessionsAsync(user)).Select(s => $"{user}: {Json(s)}"));
        }

        return snapshot;
    }

    private static string Json(Persona persona) => JsonSerializer.Serialize(persona, AiPersonaJsonContext.Default.Persona);

    private static string Json(ConversationSession session) => JsonSerializer.Serialize(session, AiPersonaJsonContext.Default.ConversationSession);

    private static ISessionStore SessionStore(DifferentialApp app) => app.Services.GetRequiredService<ISessionStore>();

    private static Task<StorageCopyResult> CopyAsync(DifferentialApp source, DifferentialApp target)
        => AiPersonaStorageCopy.CopyAsync(source.Services, target.Services);

    private DifferentialApp AppOn(string backend)
    {
        Action<IAiPersonaBuilder> useStorage;
        switch (backend)
        {
            case "memory":
                useStorage = static _ => { };
                break;
            case "filesystem":
                var root = Directory();
                useStorage = b => b.UseFileSystemStorage(root);
                break;
            case "sqlite":
                var file = Path.Combine(Directory(), "aipersona.db");
                useStorage = b => b.UseSqlite($"Data Source={file}");
                break;
            case "postgresql":
                var schema = PostgreSqlTestSchema.Create();
                _disposables.Add(schema);
                useStorage = b => b.UsePostgreSql(schema.ConnectionString, o => o.SchemaName = schema.Name);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, null);
        }

        var app = new DifferentialApp(useStorage);
        _disposables.Add(app);
        return app;
    }

    private string Directory()
    {
        var directory = new TempDirectory();
        _directories.Add(directory);
        return directory.Path;
    }
}
