using Microsoft.Extensions.Options;

namespace AiPersona.Tests.Sessions;

public sealed class FileSystemSessionStoreTests : SessionStoreConformanceTests, IDisposable
{
    private readonly TempDirectory _root = new();

    public FileSystemSessionStoreTests()
        => Store = new FileSystemSessionStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "store") }));

    protected override ISessionStore Store { get; }

    [Fact]
    public async Task EveryFileStaysInsideTheRoot()
    {
        await Store.CreateAsync(Open(NewSessionId(), "../../../escape", T0, "x"));
        await Store.CreateAsync(Open(NewSessionId(), "/etc/passwd", T0, "x"));

        var root = Path.Combine(_root.Path, "store") + Path.DirectorySeparatorChar;
        Assert.All(_root.AllFiles(), f => Assert.StartsWith(root, f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SessionsUnderTheEarlierFolderName_AreAdopted_PendingStateIncluded()
    {
        const string user = "bob@example.com";
        var (learned, pending) = (NewSessionId(), NewSessionId());
        await Store.CreateAsync(Open(learned, user, T0, "one"));
        await Store.CompleteAsync(user, learned, T0);
        await Store.MarkLearnedAsync(user, [learned], T0);
        await Store.CreateAsync(Open(pending, user, T0.AddMinutes(1), "two"));
        await Store.CompleteAsync(user, pending, T0.AddMinutes(1));
        var sessions = Path.Combine(_root.Path, "store", "sessions");
        var folder = Assert.Single(Directory.GetDirectories(sessions));
        Directory.Move(folder, Path.Combine(sessions, StoragePaths.GetLegacyUserKey(user)));

        var store = new FileSystemSessionStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "store") }));

        Assert.Equal([user], await store.GetUsersWithUnlearnedSessionsAsync());
        Assert.Equal([pending], (await store.GetSessionsAsync(user, SessionState.Completed)).Select(s => s.Id));
        Assert.Equal([learned], (await store.GetSessionsAsync(user, SessionState.Learned)).Select(s => s.Id));
        Assert.Equal(folder, Assert.Single(Directory.GetDirectories(sessions)));
    }

    [Theory]
    [InlineData("torn")]
    [InlineData("null")] // the JSON literal null: readable, but no session
    [InlineData("messages")] // edited by hand to hold a null where a session has none
    [InlineData("message")]
    [InlineData("text")]
    [InlineData("id")]
    [InlineData("state left out")]
    [InlineData("messages left out")]
    [InlineData("role left out")]
    [InlineData("startedAt left out")]
    public async Task ADamagedSessionFile_FailsWithTheFileNamed_AndIsNeverOverwritten(string damage)
    {
        var (user, id) = (NewUser(), NewSessionId());
        await Store.CreateAsync(Open(id, user, T0, "hello"));
        var file = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == id + ".json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        switch (damage)
        {
            case "messages": json["messages"] = null; break;
            case "message": json["messages"]!.AsArray()[0] = null; break;
            case "text": json["messages"]![0]!["text"] = null; break;
            case "id": json["id"] = null; break;
            case "state left out": json.AsObject().Remove("state"); break; // would read as Open, the default
            case "messages left out": json.AsObject().Remove("messages"); break;
            case "role left out": json["messages"]![0]!.AsObject().Remove("role"); break;
            case "startedAt left out": json.AsObject().Remove("startedAt"); break;
        }

        var damaged = damage switch { "torn" => (await File.ReadAllTextAsync(file))[..30], "null" => "null", _ => json.ToJsonString() };
        await File.WriteAllTextAsync(file, damaged);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetSessionsAsync(user));
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.AppendMessagesAsync(user, id, [new SessionMessage("assistant", "hi", T0)], T0));
        Assert.Equal(damaged, await File.ReadAllTextAsync(file));
    }

    /// <summary>A session file damaged at random (seeded: characters dropped, repeated, inserted or written over,
    /// JSON's own among them) is read whole, or refused as damaged with the file named: no other exception, no session
    /// with a part missing, and a damaged file is never written over.</summary>
    [Fact]
    public async Task SessionFilesDamagedAtRandom_AreReadWholeOrRefusedAsDamaged_AndNeverOverwritten()
    {
        var (user, id) = (NewUser(), NewSessionId());
        await Store.CreateAsync(Open(id, user, T0, "hello 🙂") with { ConversationId = "trip" });
        await Store.AppendMessagesAsync(user, id, [new SessionMessage("assistant", "Hi! Where to?", T0.AddSeconds(5))], T0.AddSeconds(5));
        var file = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == id + ".json");
        var original = await File.ReadAllTextAsync(file);
        var random = new Random(2643);
        var (read, refused) = (0, 0);
        for (var i = 0; i < 1500; i++)
        {
            var text = RandomDamage.Apply(original, random, RandomDamage.StoredJsonAlphabet, maxChanges: 3, maxRun: 5);
            await File.WriteAllTextAsync(file, text);
            try
            {
                var session = Assert.Single(await Store.GetSessionsAsync(user));
                Assert.True(session.Id is not null && session.UserId == user && session.Messages is not null, text);
                Assert.All(session.Messages, m => Assert.True(m?.Role is not null && m.Text is not null, text));
                read++;
            }
            catch (InvalidDataException ex)
            {
                refused++;
                Assert.Contains(file, ex.Message, StringComparison.Ordinal);
                await Assert.ThrowsAsync<InvalidDataException>(() => Store.AppendMessagesAsync(user, id, [new SessionMessage("user", "more", T0.AddMinutes(1))], T0.AddMinutes(1)));
                Assert.Equal(text, await File.ReadAllTextAsync(file));
            }
        }

        Assert.True(read > 50 && refused > 500, $"{read} read, {refused} refused");
    }

    [Fact]
    public async Task ASessionFileOfAnotherUser_IsNotReturned()
    {
        var (alice, mallory, id, mallorys) = (NewUser(), NewUser(), NewSessionId(), NewSessionId(T0.AddHours(1)));
        await Store.CreateAsync(Open(id, alice, T0, "my address is 4 Elm Street"));
        await Store.CreateAsync(Open(mallorys, mallory, T0.AddHours(1), "hi"));
        var aliceFile = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == id + ".json");
        var malloryFile = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == mallorys + ".json");
        File.Copy(aliceFile, Path.Combine(Path.GetDirectoryName(malloryFile)!, id + ".json"));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetSessionsAsync(mallory));
        Assert.Contains("another user", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADamagedFileOfAnotherSession_DoesNotStopTheConversationLookup()
    {
        var (user, older, damagedId, newer) = (NewUser(), NewSessionId(T0), NewSessionId(T0.AddHours(1)), NewSessionId(T0.AddHours(2)));
        await Store.CreateAsync(Open(older, user, T0, "trip") with { ConversationId = "trip" });
        await Store.CreateAsync(Open(damagedId, user, T0.AddHours(1), "cv") with { ConversationId = "cv" });
        await Store.CreateAsync(Open(newer, user, T0.AddHours(2), "other") with { ConversationId = "other" });
        var file = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == damagedId + ".json");
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file))[..30]);

        Assert.Equal(older, (await Store.GetLatestSessionOfConversationAsync(user, "trip"))!.Id);
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetSessionsAsync(user)); // still reported where sessions are read for learning
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)] // a folder still under the name releases up to 0.1 used
    [InlineData(false, true)] // the longest id there may be is still an id
    public async Task ADamagedUserFile_DoesNotHideTheUser_WhoIsToldByTheirSessionFiles(bool legacyFolder, bool longestId)
    {
        var ((user, _), (other, _)) = (await CompletedSessionAsync(longestId ? new string('u', UserIds.MaxLength) : null), await CompletedSessionAsync());
        var sessions = Path.Combine(_root.Path, "store", "sessions");
        var folder = Path.Combine(sessions, StoragePaths.GetUserKey(user));
        if (legacyFolder)
        {
            folder = Path.Combine(sessions, StoragePaths.GetLegacyUserKey(user));
            Directory.Move(Path.Combine(sessions, StoragePaths.GetUserKey(user)), folder);
        }

        var userFile = Path.Combine(folder, "user.json");
        await File.WriteAllTextAsync(userFile, "{\"torn");

        string[] both = [.. new[] { user, other }.Order(StringComparer.Ordinal)];
        Assert.Equal(both, (await Store.GetUsersWithUnlearnedSessionsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(both, (await Store.GetUserIdsAsync().ToListAsync()).Order(StringComparer.Ordinal));
        Assert.Equal("{\"torn", await File.ReadAllTextAsync(userFile));
    }

    [Fact]
    public async Task ADamagedUserFile_AndDamagedSessionFiles_DoNotHideTheUser_WhileOneSessionFileTellsThem()
    {
        var user = NewUser();
        for (var i = 0; i < 4; i++)
        {
            await CompletedSessionAsync(user);
        }

        var folder = Path.Combine(_root.Path, "store", "sessions", StoragePaths.GetUserKey(user));
        await File.WriteAllTextAsync(Path.Combine(folder, "user.json"), "{\"torn");
        // Every session file but the one the store reads last is damaged: each damaged one is passed over, not the rest.
        var files = Directory.GetFiles(Path.Combine(folder, "completed"), "*.json");
        foreach (var file in files[..^1])
        {
            await File.WriteAllTextAsync(file, "{\"torn");
        }

        Assert.Equal([user], await Store.GetUsersWithUnlearnedSessionsAsync());
        Assert.Equal([user], await Store.GetUserIdsAsync().ToListAsync());
    }

    [Fact]
    public async Task AFolderWhoseUserCannotBeTold_IsPassedOverWhenLookingForWork_ButReportedWhenListingEveryUser()
    {
        List<(string User, string Id)> created = [await CompletedSessionAsync(), await CompletedSessionAsync(), await CompletedSessionAsync()];

        // The folder the store looks at first: the users after it must still be found.
        var sessions = Path.Combine(_root.Path, "store", "sessions");
        var folder = Directory.EnumerateDirectories(sessions).First();
        var (user, id) = created.Single(c => Path.GetFileName(folder) == StoragePaths.GetUserKey(c.User));
        var (other, othersId) = created.First(c => c.User != user);
        await File.WriteAllTextAsync(Path.Combine(folder, "user.json"), "null");

        // A session file copied from another user's folder names that user, not the folder's: it tells nothing.
        var sessionFile = Path.Combine(folder, "completed", id + ".json");
        File.Copy(Path.Combine(sessions, StoragePaths.GetUserKey(other), "completed", othersId + ".json"), sessionFile, overwrite: true);

        Assert.Equal(
            created.Select(c => c.User).Where(u => u != user).Order(StringComparer.Ordinal),
            (await Store.GetUsersWithUnlearnedSessionsAsync()).Order(StringComparer.Ordinal));
        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () => await Store.GetUserIdsAsync().ToListAsync());
        Assert.Contains(Path.Combine(folder, "user.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionIdsThatAreNotSafeFileNames_AreRefused()
        => await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync(Open("../evil", NewUser(), T0, "x")));

    [Fact]
    public async Task ANewStoreInstance_SeesWhatTheFirstWrote()
    {
        var user = NewUser();
        var id = NewSessionId();
        await Store.CreateAsync(Open(id, user, T0, "persisted"));
        await Store.CompleteAsync(user, id, T0);

        var restarted = new FileSystemSessionStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "store") }));

        Assert.Equal(1, await restarted.CountSessionsAsync(user, SessionState.Completed));
        Assert.Contains(user, await restarted.GetUsersWithUnlearnedSessionsAsync());
    }

    [Fact]
    public async Task ReadsThatRaceAUsersDeletion_FindTheUserGone_NotAnError()
    {
        // Listing users (the background sweep does) and reading one user's sessions take no lock, so a user deleted
        // meanwhile can vanish between a folder check and its listing. A stress test: it can miss a regression by luck but
        // never fails working code. Without the fix it threw DirectoryNotFoundException in 6 runs out of 6.
        for (var round = 0; round < 8; round++)
        {
            var users = Enumerable.Range(0, 60).Select(_ => NewUser()).ToList();
            foreach (var user in users)
            {
                var id = NewSessionId();
                await Store.CreateAsync(Open(id, user, T0, "hello"));
                await Store.CompleteAsync(user, id, T0);
            }

            var deleting = Task.Run(async () =>
            {
                foreach (var user in users)
                {
                    await Store.DeleteUserAsync(user);
                }
            });
            while (!deleting.IsCompleted)
            {
                var someone = users[Random.Shared.Next(users.Count)];
                await Store.GetUserIdsAsync().ToListAsync();
                await Store.GetUsersWithUnlearnedSessionsAsync();
                await Store.GetUsersWithUnlearnedSessionsAsync(minimumCompleted: 1);
                await Store.GetSessionsAsync(someone);
                await Store.GetSessionsAsync(someone, SessionState.Completed);
                await Store.CountSessionsAsync(someone, SessionState.Completed);
            }

            await deleting;
            Assert.Empty(await Store.GetUserIdsAsync().ToListAsync());
            Assert.Empty(await Store.GetUsersWithUnlearnedSessionsAsync());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeletingASession_AlsoDeletesTheCopiesThatWritesACrashCutShortLeft(bool pastItsRetention)
    {
        var (user, id) = await CompletedSessionAsync();
        var (_, other) = await CompletedSessionAsync(user);
        await Store.MarkLearnedAsync(user, [id, other], T0);

        // A write killed after writing its temporary file, before renaming it over the session's file, leaves that file
        // (see AtomicFile), in the folder of the session's state then.
        var file = Assert.Single(_root.AllFiles(), f => Path.GetFileName(f) == id + ".json");
        var userFolder = Path.GetDirectoryName(Path.GetDirectoryName(file))!;
        string[] copies = [.. new[] { "open", "completed", "learned" }.Select(state => LeaveCopy(file, Path.Combine(userFolder, state), id))];
        var othersCopy = LeaveCopy(file, Path.Combine(userFolder, "completed"), other);

        if (pastItsRetention)
        {
            Assert.Equal(1, await Store.DeleteLearnedSessionsAsync(user, T0, keepSessionId: other));
        }
        else
        {
            Assert.True(await Store.DeleteSessionAsync(user, id));
        }

        Assert.All(copies, copy => Assert.False(File.Exists(copy), copy));
        Assert.True(File.Exists(othersCopy));

        static string LeaveCopy(string file, string folder, string sessionId)
        {
            Directory.CreateDirectory(folder);
            var copy = Path.Combine(folder, $".{sessionId}.json.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
            File.Copy(file, copy);
            return copy;
        }
    }

    public void Dispose() => _root.Dispose();

    private async Task<(string UserId, string SessionId)> CompletedSessionAsync(string? userId = null)
    {
        var (user, id) = (userId ?? NewUser(), NewSessionId());
        await Store.CreateAsync(Open(id, user, T0, "hello"));
        await Store.CompleteAsync(user, id, T0);
        return (user, id);
    }
}
