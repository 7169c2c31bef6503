namespace AiPersona.Tests.Storage;

/// <summary>What every <see cref="IPersonaStore"/> must do. Derive once per implementation.</summary>
public abstract class PersonaStoreConformanceTests
{
    protected static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract IPersonaStore Store { get; }

    public static TheoryData<string> EdgeCaseUserIds() => new()
    {
        "../../x",
        "/etc/x",
        "a\0b",
        "C:\\Windows\\x",
        "..",
        "ümlaut 用户 🙂",
        "UPPER",
        "upper",
        new string('k', 4096),
    };

    [Fact]
    public async Task Get_UnknownUser_ReturnsEmptyPersonaAtVersionZero()
    {
        var persona = await Store.GetAsync(NewUser());

        Assert.Equal(0, persona.Version);
        Assert.True(persona.IsEmpty);
    }

    [Fact]
    public async Task UserIdsWithHalfASurrogatePair_AreRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync("user\uD800"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetHistoryAsync("user\uDBFF"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteUserAsync("\uDC00user"));
    }

    [Fact]
    public async Task Save_ThenGet_RoundTrips()
    {
        var user = NewUser();
        var change = Persona.CreateEmpty(user).ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Ana", "said so", "s1"), PersonaEdit.Set("demographics", "age", "34", "the user's own correction")], Now);
        change = change with { Updated = change.Updated.WithLastLearnedSessions(["s1", "s2"]) };

        var saved = await Store.SaveAsync(change);
        var read = await Store.GetAsync(user);

        Assert.Equal(1, saved.Version);
        Assert.Equal(1, read.Version);
        Assert.Equal(Now, read.UpdatedAt);
        var value = read.GetValue("demographics", "name")!;
        Assert.Equal(("Ana", "said so", Now), (value.Value, value.Reason!, value.SetAt));
        Assert.Equal(["s1"], value.SourceSessionIds);
        Assert.Equal(["s1", "s2"], read.LastLearnedSessionIds);
        Assert.Equal((DateTimeOffset?)Now, read.GetCorrectedAt("demographics", "age"));
        Assert.Null(read.GetCorrectedAt("demographics", "name"));
    }

    [Fact]
    public async Task Save_WithStaleVersion_ThrowsConcurrencyExceptionAndKeepsStoredPersona()
    {
        var user = NewUser();
        var v0 = await Store.GetAsync(user);
        await Store.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));

        var stale = v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bob")], Now);
        var ex = await Assert.ThrowsAsync<PersonaConcurrencyException>(() => Store.SaveAsync(stale));

        Assert.Equal((0L, 1L), (ex.ExpectedVersion, ex.ActualVersion));
        Assert.Equal("Ana", (await Store.GetAsync(user)).GetValue("demographics", "name")!.Value);
        Assert.Single(await Store.GetHistoryAsync(user));
    }

    [Fact]
    public async Task Save_ConcurrentWritersOfSameVersion_ExactlyOneWins()
    {
        var user = NewUser();
        var v0 = await Store.GetAsync(user);

        var attempts = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => Store.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", $"writer {i}")], Now))))
            .ToArray();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                await t;
                return true;
            }
            catch (PersonaConcurrencyException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(1, (await Store.GetAsync(user)).Version);
        Assert.Single(await Store.GetHistoryAsync(user));
    }

    [Fact]
    public async Task History_ListsEveryChangeOldestFirst()
    {
        var user = NewUser();
        var p1 = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", "r1", "s1")], Now));
        await Store.SaveAsync(p1.ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Ana Lima", "r2", "s2", "s3"), PersonaEdit.Set("preferences", "formats", "tables", "r3", "s3")],
            Now.AddDays(1)));

        var history = await Store.GetHistoryAsync(user);

        Assert.Equal(3, history.Count);
        Assert.Equal(new PersonaRevision(1, "demographics", "name", null, "Ana", "r1", ["s1"], Now), history[0], RevisionComparer.Instance);
        Assert.Equal(new PersonaRevision(2, "demographics", "name", "Ana", "Ana Lima", "r2", ["s2", "s3"], Now.AddDays(1)), history[1], RevisionComparer.Instance);
        Assert.Equal(2, history[2].Version);
        Assert.Equal("formats", history[2].Field);
    }

    [Fact]
    public async Task Delete_RemovesPersonaAndHistory_AndLeavesOtherUsers()
    {
        var user = NewUser();
        var other = NewUser();
        await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        await Store.SaveAsync(Persona.CreateEmpty(other).ApplyEdits([PersonaEdit.Set("demographics", "name", "Bob")], Now));

        await Store.DeleteUserAsync(user);

        Assert.Equal(0, (await Store.GetAsync(user)).Version);
        Assert.Empty(await Store.GetHistoryAsync(user));
        Assert.Equal("Bob", (await Store.GetAsync(other)).GetValue("demographics", "name")!.Value);
        await Store.DeleteUserAsync(user); // deleting twice is harmless
    }

    [Fact]
    public async Task DeleteFieldHistory_RemovesEveryRevisionOfThatFieldOnly_AndLeavesThePersonaAsItIs()
    {
        var user = NewUser();
        var other = NewUser();
        var p1 = await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits(
            [PersonaEdit.Set("demographics", "nationality", "Lives in Porto", "r1", "s1"), PersonaEdit.Set("demographics", "name", "Ana", "r1", "s1")], Now));
        var p2 = await Store.SaveAsync(p1.ApplyEdits([PersonaEdit.Set("demographics", "nationality", "Lives in Lisbon", "r2", "s2")], Now.AddDays(1)));
        await Store.SaveAsync(p2.ApplyEdits([PersonaEdit.Set("demographics", "age", "34", "r3", "s3")], Now.AddDays(2)));
        await Store.SaveAsync(Persona.CreateEmpty(other).ApplyEdits([PersonaEdit.Set("demographics", "nationality", "Lives in Oslo")], Now));

        Assert.Equal(2, await Store.DeleteFieldHistoryAsync(user, "Demographics", "NATIONALITY")); // names ignore case, as in Persona

        Assert.Equal([("name", 1L), ("age", 3L)], (await Store.GetHistoryAsync(user)).Select(r => (r.Field, r.Version)));
        var persona = await Store.GetAsync(user);
        Assert.Equal((3L, "Lives in Lisbon"), (persona.Version, persona.GetValue("demographics", "nationality")!.Value)); // the store changes no value
        Assert.Single(await Store.GetHistoryAsync(other));
        Assert.Equal(0, await Store.DeleteFieldHistoryAsync(user, "demographics", "nationality"));
        Assert.Equal(0, await Store.DeleteFieldHistoryAsync(NewUser(), "demographics", "nationality"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteFieldHistoryAsync(user, " ", "nationality"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteFieldHistoryAsync(user, "demographics", ""));

        // The persona still saves on top: later revisions follow the remaining ones.
        await Store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("demographics", "age", "35")], Now.AddDays(3)));
        Assert.Equal([1L, 3L, 4L], (await Store.GetHistoryAsync(user)).Select(r => r.Version));
    }

    [Theory]
    [MemberData(nameof(EdgeCaseUserIds))]
    public async Task EdgeCaseUserIds_AreStoredUnderTheirOwnKey(string userId)
    {
        userId += Guid.NewGuid().ToString("N"); // isolate from other tests sharing the store
        var saved = await Store.SaveAsync(Persona.CreateEmpty(userId).ApplyEdits([PersonaEdit.Set("demographics", "name", "Edge")], Now));

        var read = await Store.GetAsync(userId);

        Assert.Equal(userId, read.UserId);
        Assert.Equal(saved.Version, read.Version);
        Assert.Equal("Edge", read.GetValue("demographics", "name")!.Value);
        await Store.DeleteUserAsync(userId);
        Assert.Equal(0, (await Store.GetAsync(userId)).Version);
    }

    [Fact]
    public async Task UserIdsDifferingOnlyInCase_AreDistinctUsers()
    {
        var suffix = Guid.NewGuid().ToString("N");
        await Store.SaveAsync(Persona.CreateEmpty("Ana" + suffix).ApplyEdits([PersonaEdit.Set("demographics", "name", "upper")], Now));
        await Store.SaveAsync(Persona.CreateEmpty("ana" + suffix).ApplyEdits([PersonaEdit.Set("demographics", "name", "lower")], Now));

        Assert.Equal("upper", (await Store.GetAsync("Ana" + suffix)).GetValue("demographics", "name")!.Value);
        Assert.Equal("lower", (await Store.GetAsync("ana" + suffix)).GetValue("demographics", "name")!.Value);
    }

    [Fact]
    public async Task GetUserIds_ListsEveryUserWithAPersona_Once_AcrossPages()
    {
        // More users than one page of a database store's listing, awkward ids among them; a deleted user is not listed.
        var users = EdgeCaseUserIds().Select(row => row.Data).Where(id => id != "upper" && id != "UPPER").Select(id => id + Guid.NewGuid().ToString("N")).ToList();
        users.AddRange(Enumerable.Range(0, UserIdPages.PageSize - users.Count + 1).Select(_ => NewUser()));
        foreach (var user in users)
        {
            await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "x")], Now));
        }

        var deleted = NewUser();
        await Store.SaveAsync(Persona.CreateEmpty(deleted).ApplyEdits([PersonaEdit.Set("demographics", "name", "x")], Now));
        await Store.DeleteUserAsync(deleted);

        var listed = await Store.GetUserIdsAsync().ToListAsync();

        Assert.Equal(users.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetUserIds_OfAnEmptyStore_IsEmpty()
        => Assert.Empty(await Store.GetUserIdsAsync().ToListAsync());

    [Fact]
    public async Task Save_OnVersionZero_TakesAPersonaOfAnyVersion_WithItsHistory_AsACopyFromAnotherStore()
    {
        var user = NewUser();
        var first = Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", "said so", "s1")], Now);
        var second = first.Updated.ApplyEdits([PersonaEdit.Set("demographics", "age", "34", "said so", "s2")], Now.AddDays(1));
        var third = second.Updated.ApplyEdits([PersonaEdit.Remove("demographics", "name", "asked to forget")], Now.AddDays(2));
        PersonaRevision[] history = [.. first.Revisions, .. second.Revisions, .. third.Revisions];

        var saved = await Store.SaveAsync(new PersonaChange(0, third.Updated, history));

        Assert.Equal(3, saved.Version);
        var read = await Store.GetAsync(user);
        Assert.Equal((3L, "34", Now.AddDays(2)), (read.Version, read.GetValue("demographics", "age")!.Value, read.UpdatedAt));
        Assert.Null(read.GetValue("demographics", "name"));
        Assert.Equal(history, await Store.GetHistoryAsync(user), RevisionComparer.Instance);

        // The copy is a persona like any other: the next change is based on its version; a second copy is refused.
        await Store.SaveAsync(read.ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now.AddDays(3)));
        Assert.Equal(4, (await Store.GetAsync(user)).Version);
        var again = await Assert.ThrowsAsync<PersonaConcurrencyException>(() => Store.SaveAsync(new PersonaChange(0, third.Updated, history)));
        Assert.Equal(4, again.ActualVersion);
        Assert.Equal(4, (await Store.GetHistoryAsync(user)).Count);
    }

    [Fact]
    public async Task InvalidArguments_AreRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(" "));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.SaveAsync(null!));
        var tampered = Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "x")], Now) with { BaseVersion = 5 };
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveAsync(tampered));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveAsync(new PersonaChange(0, Persona.CreateEmpty("u"), [])));
    }

    /// <summary>For the stores that keep JSON documents a hand edit can damage (a text editor, an UPDATE): saves a
    /// persona with one revision, lets <paramref name="overwrite"/> damage them, and checks that every read of the user
    /// fails with <see cref="InvalidDataException"/>, naming them by the hash the logs use.</summary>
    protected async Task AssertReadsOfADamagedUserFailAsync(Func<string, Task> overwrite)
    {
        var user = NewUser();
        await Store.SaveAsync(Persona.CreateEmpty(user).ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));

        await overwrite(user);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync(user));
        Assert.Contains(UserIdHash.Of(user), ex.Message, StringComparison.Ordinal);
        ex = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetHistoryAsync(user));
        Assert.Contains(UserIdHash.Of(user), ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => Store.DeleteFieldHistoryAsync(user, "demographics", "name"));
    }

    protected static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    private sealed class RevisionComparer : IEqualityComparer<PersonaRevision>
    {
        public static readonly RevisionComparer Instance = new();

        public bool Equals(PersonaRevision? x, PersonaRevision? y)
            => x is not null && y is not null
            && (x.Version, x.Section, x.Field, x.OldValue, x.NewValue, x.Reason, x.ChangedAt) == (y.Version, y.Section, y.Field, y.OldValue, y.NewValue, y.Reason, y.ChangedAt)
            && x.SourceSessionIds.SequenceEqual(y.SourceSessionIds);

        public int GetHashCode(PersonaRevision obj) => obj.Field.GetHashCode(StringComparison.Ordinal);
    }
}
