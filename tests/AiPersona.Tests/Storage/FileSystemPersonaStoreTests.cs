using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AiPersona.Tests.Storage;

public sealed class FileSystemPersonaStoreTests : PersonaStoreConformanceTests, IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly string _outside;

    public FileSystemPersonaStoreTests()
    {
        // The store's root is a subfolder, so that anything written beside it (an escape) would be visible.
        _outside = _root.Path;
        Store = new FileSystemPersonaStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "store") }));
    }

    protected override IPersonaStore Store { get; }

    [Fact]
    public async Task ARootDirectoryWrittenWithATrailingSeparator_HoldsPersonasAndSessions()
    {
        var options = Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "trailing") + Path.DirectorySeparatorChar });
        var personas = new FileSystemPersonaStore(options);
        var sessions = new FileSystemSessionStore(options);

        await personas.SaveAsync(Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        await sessions.CreateAsync(new ConversationSession("0001", "ana", null, SessionState.Open, Now, Now, null, null, [new SessionMessage("user", "hi", Now)]));

        Assert.Equal("Ana", (await personas.GetAsync("ana")).GetValue("demographics", "name")!.Value);
        Assert.Equal("hi", (await sessions.GetLatestSessionAsync("ana"))!.Messages.Single().Text);
        Assert.All(_root.AllFiles(), f => Assert.StartsWith(Path.Combine(_root.Path, "trailing") + Path.DirectorySeparatorChar, f, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EdgeCaseUserIds))]
    public async Task EveryFileStaysInsideTheRootAndHasASafeName(string userId)
    {
        await Store.SaveAsync(Persona.CreateEmpty(userId).ApplyEdits([PersonaEdit.Set("demographics", "name", "x")], Now));

        var files = _root.AllFiles();
        var root = Path.Combine(_outside, "store") + Path.DirectorySeparatorChar;
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.StartsWith(root, f, StringComparison.Ordinal));
        Assert.All(files, f => Assert.Matches("^[a-z0-9-]+\\.(json|lock)$", Path.GetFileName(f)));
        Assert.All(files, f => Assert.True(Path.GetFileName(f).Length <= 80));
    }

    [Fact]
    public async Task ADocumentOfAnotherUser_IsNotReturned()
    {
        await Store.SaveAsync(Persona.CreateEmpty("alice").ApplyEdits([PersonaEdit.Set("demographics", "name", "Alice")], Now));
        var aliceFile = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        File.Copy(aliceFile, Path.Combine(Path.GetDirectoryName(aliceFile)!, StoragePaths.GetUserKey("mallory") + ".json"));

        await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync("mallory"));
    }

    [Fact]
    public async Task FileNames_CarryNoPartOfTheUserId()
    {
        await Store.SaveAsync(Persona.CreateEmpty("alice.smith@example.com").ApplyEdits([PersonaEdit.Set("demographics", "name", "Alice")], Now));

        Assert.All(_root.AllFiles(), f => Assert.DoesNotContain("alice", f, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ADocumentUnderTheEarlierFileName_IsAdopted_WithItsHistory()
    {
        const string user = "alice.smith@example.com";
        var first = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Alice")], Now));
        await Store.SaveAsync(first.ApplyEdits([PersonaEdit.Set("demographics", "age", "41")], Now));
        var document = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        var legacy = Path.Combine(Path.GetDirectoryName(document)!, StoragePaths.GetLegacyUserKey(user) + ".json");
        File.Move(document, legacy);
        Assert.StartsWith("alicesmithexamplecom-", Path.GetFileName(legacy), StringComparison.Ordinal);

        var store = new FileSystemPersonaStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_outside, "store") }));
        var read = await store.GetAsync(user);

        Assert.Equal(2, read.Version);
        Assert.Equal("41", read.GetValue("demographics", "age")!.Value);
        Assert.Equal(2, (await store.GetHistoryAsync(user)).Count);
        Assert.True(File.Exists(document));
        Assert.False(File.Exists(legacy));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the JSON literal null: readable, but no document
    public async Task ADamagedDocument_FailsWithTheFileNamed_AndIsNeverOverwritten(bool nullDocument)
    {
        var user = NewUser();
        var persona = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        var document = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        var damaged = nullDocument ? "null" : (await File.ReadAllTextAsync(document))[..40];
        await File.WriteAllTextAsync(document, damaged);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync(user));
        Assert.Contains(document, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("demographics", "age", "30")], Now)));
        Assert.Equal(damaged, await File.ReadAllTextAsync(document));
    }

    // A null where a persona has none, or a property left out, which would bind its constructor parameter to its default:
    // a version 0 or a persona with no sections would be read as if stored, and the next save would write over the file.
    [Theory]
    [InlineData("persona", false)]
    [InlineData("persona.userId", false)]
    [InlineData("persona.sections.demographics.name", false)]
    [InlineData("persona.sections.demographics.name.value", false)]
    [InlineData("persona.sections.demographics.name.sourceSessionIds", false)]
    [InlineData("persona.sections.demographics.name.sourceSessionIds.0", false)]
    [InlineData("history", false)]
    [InlineData("history.0", false)]
    [InlineData("history.0.section", false)]
    [InlineData("history.0.sourceSessionIds", false)]
    [InlineData("userId", true)]
    [InlineData("persona.version", true)]
    [InlineData("persona.updatedAt", true)]
    [InlineData("persona.sections", true)]
    [InlineData("persona.sections.demographics.name.value", true)]
    [InlineData("persona.sections.demographics.name.setAt", true)]
    [InlineData("history", true)]
    [InlineData("history.0.version", true)]
    [InlineData("history.0.field", true)]
    [InlineData("history.0.changedAt", true)]
    public async Task ADocumentEditedByHand_ToHoldANullOrLeaveOutAPart_FailsAsDamaged_AndIsNeverOverwritten(string path, bool leftOut)
    {
        var user = NewUser();
        var persona = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", "said so", "s1")], Now));
        var document = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        var json = JsonNode.Parse(await File.ReadAllTextAsync(document))!;
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate(json, (node, part) => int.TryParse(part, out var i) ? node[i]! : node[part]!);
        if (leftOut)
        {
            Assert.True(parent.AsObject().Remove(parts[^1]), path);
        }
        else if (int.TryParse(parts[^1], out var index))
        {
            parent.AsArray()[index] = null;
        }
        else
        {
            parent.AsObject()[parts[^1]] = null;
        }

        var damaged = json.ToJsonString();
        await File.WriteAllTextAsync(document, damaged);

        Assert.Contains(document, (await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync(user))).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetHistoryAsync(user));
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("demographics", "age", "30")], Now)));
        Assert.Equal(damaged, await File.ReadAllTextAsync(document));
    }

    /// <summary>A document damaged at random (seeded: characters dropped, repeated, inserted or written over, JSON's
    /// own among them) is read, or refused as damaged, with the file named: no other exception, and a damaged file is
    /// never written over.</summary>
    [Fact]
    public async Task DocumentsDamagedAtRandom_AreReadOrRefusedAsDamaged_AndNeverOverwritten()
    {
        var user = NewUser();
        var persona = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", "said so", "s1"), PersonaEdit.Set("preferences", "formats", "Short 🙂", null, "s1", "s2")], Now));
        var document = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        var original = await File.ReadAllTextAsync(document);
        var random = new Random(2643);
        var (read, refused) = (0, 0);
        for (var i = 0; i < 1500; i++)
        {
            var text = RandomDamage.Apply(original, random, RandomDamage.StoredJsonAlphabet, maxChanges: 3, maxRun: 5);
            await File.WriteAllTextAsync(document, text);
            try
            {
                await Store.GetAsync(user);
                await Store.GetHistoryAsync(user);
                read++;
            }
            catch (InvalidDataException ex)
            {
                refused++;
                Assert.Contains(document, ex.Message, StringComparison.Ordinal);
                await Assert.ThrowsAsync<InvalidDataException>(() => Store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("demographics", "age", "30")], Now)));
                Assert.Equal(text, await File.ReadAllTextAsync(document));
            }
        }

        Assert.True(read > 50 && refused > 500, $"{read} read, {refused} refused");
    }

    [Fact]
    public async Task ALeftoverTemporaryFileFromACrash_IsIgnored()
    {
        var user = NewUser();
        await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        var document = Assert.Single(_root.AllFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(document)!, "." + Path.GetFileName(document) + ".abc.tmp"), "{\"userId\": \"torn");

        var read = await Store.GetAsync(user);

        Assert.Equal("Ana", read.GetValue("demographics", "name")!.Value);
    }

    [Fact]
    public async Task AtomicWrite_FailingMidWrite_LeavesTheOldFileAndNoTemporaryFile()
    {
        var path = Path.Combine(_root.Path, "doc.json");
        await File.WriteAllTextAsync(path, "old content");

        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(
            path,
            async (stream, ct) =>
            {
                await stream.WriteAsync("new cont"u8.ToArray(), ct);
                await stream.FlushAsync(ct);
                throw new IOException("simulated crash mid-write");
            },
            CancellationToken.None));

        Assert.Equal("old content", await File.ReadAllTextAsync(path));
        Assert.Equal([path], _root.AllFiles());
    }

    [Fact]
    public async Task AtomicWrite_Succeeding_ReplacesTheWholeFile()
    {
        var path = Path.Combine(_root.Path, "doc.json");
        await File.WriteAllTextAsync(path, "old content that is longer than the new one");

        await AtomicFile.WriteAsync(path, (stream, ct) => stream.WriteAsync("new"u8.ToArray(), ct).AsTask(), CancellationToken.None);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal([path], _root.AllFiles());
    }

    [Fact]
    public async Task TwoStoreInstancesOnOneDirectory_StillRefuseStaleSaves()
    {
        var second = new FileSystemPersonaStore(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_root.Path, "store") }));
        var user = NewUser();
        var v0 = await Store.GetAsync(user);

        var results = await Task.WhenAll(
            Try(() => Store.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "one")], Now))),
            Try(() => second.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "two")], Now))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Single(await second.GetHistoryAsync(user));
    }

    [Fact]
    public async Task DeleteUser_RemovesEveryFileOfTheUser()
    {
        var user = NewUser();
        await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        var updateLock = new FileSystemPersonaUpdateLock(Options.Create(new FileSystemStorageOptions { RootDirectory = Path.Combine(_outside, "store") }));
        await (await updateLock.TryAcquireAsync(user))!.DisposeAsync(); // an update ran: its lock file exists

        await Store.DeleteUserAsync(user);

        Assert.Empty(_root.AllFiles());
    }

    [Fact]
    public async Task DeleteUser_AlsoDeletesTheCopiesThatSavesACrashCutShortLeft()
    {
        var (ana, ben) = (NewUser(), NewUser());
        var (anasCopy, bensCopy) = (await LeaveACopyOfASaveCutShortAsync(ana), await LeaveACopyOfASaveCutShortAsync(ben));

        await Store.DeleteUserAsync(ana);

        Assert.False(File.Exists(anasCopy));
        Assert.True(File.Exists(bensCopy));
    }

    [Fact]
    public async Task DeleteFieldHistory_AlsoDeletesTheCopiesThatSavesACrashCutShortLeft()
    {
        var (ana, ben) = (NewUser(), NewUser());
        var (anasCopy, bensCopy) = (await LeaveACopyOfASaveCutShortAsync(ana), await LeaveACopyOfASaveCutShortAsync(ben));

        await Store.DeleteFieldHistoryAsync(ana, "demographics", "career");

        Assert.False(File.Exists(anasCopy));
        Assert.True(File.Exists(bensCopy));
        Assert.Equal("Ana", (await Store.GetAsync(ana)).GetValue("demographics", "name")!.Value);
    }

    [Fact]
    public void StoragePaths_Combine_RefusesAPathOutsideTheRoot()
    {
        var root = Path.Combine(_root.Path, "store");
        Assert.Throws<InvalidOperationException>(() => StoragePaths.Combine(root, "..", "escape.json"));
        Assert.Throws<InvalidOperationException>(() => StoragePaths.Combine(root, "/etc/passwd"));
        Assert.Throws<InvalidOperationException>(() => StoragePaths.Combine(root, "..", "store-sibling", "x")); // shares the root's prefix
    }

    public void Dispose() => _root.Dispose();

    // A save killed after writing its temporary file, before renaming it over the document, leaves that file: a copy of
    // the persona (see AtomicFile).
    private async Task<string> LeaveACopyOfASaveCutShortAsync(string user)
    {
        await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Set("demographics", "career", "nurse")], Now));
        var document = Path.Combine(_outside, "store", "personas", StoragePaths.GetUserKey(user) + ".json");
        var copy = Path.Combine(Path.GetDirectoryName(document)!, $".{Path.GetFileName(document)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        File.Copy(document, copy);
        return copy;
    }

    private static async Task<bool> Try(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (PersonaConcurrencyException)
        {
            return false;
        }
    }
}
