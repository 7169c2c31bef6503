using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AiPersona.Tests.Storage.Sqlite;

public sealed class SqliteSchemaTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDatabase _database = new();

    [Fact]
    public async Task FirstUse_CreatesTheLatestSchemaInWalMode()
    {
        await new SqlitePersonaStore(_database.Options).GetAsync("u");

        Assert.Equal(SqliteDatabase.LatestVersion, await ScalarAsync("PRAGMA user_version;"));
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task AnOlderSchema_IsUpgradedInPlace_KeepingItsData()
    {
        // A database written by the first schema version: personas and sessions, no lease table.
        await new SqliteDatabase(_database.Options.Value).MigrateAsync(1, CancellationToken.None);
        await ExecuteAsync(
            "INSERT INTO personas (user_key, user_id, version, document) VALUES ($key, $id, 1, $doc);",
            ("$key", UserKeys.Of("old-user")),
            ("$id", UserKeys.Encode("old-user")),
            ("$doc", System.Text.Json.JsonSerializer.Serialize(
                Persona.CreateEmpty("old-user").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now).Updated,
                AiPersonaJsonContext.Default.Persona)));
        Assert.Equal(1, await ScalarAsync("PRAGMA user_version;"));

        var store = new SqlitePersonaStore(_database.Options);
        var persona = await store.GetAsync("old-user");
        var lease = await new SqlitePersonaUpdateLock(_database.Options).TryAcquireAsync("old-user");

        Assert.Equal("Ana", persona.GetValue("demographics", "name")!.Value);
        Assert.Equal(SqliteDatabase.LatestVersion, await ScalarAsync("PRAGMA user_version;"));
        Assert.NotNull(lease);
    }

    [Fact]
    public async Task ANewerSchema_IsRefusedWithAClearMessage()
    {
        await ExecuteAsync($"PRAGMA user_version = {SqliteDatabase.LatestVersion + 1};");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => new SqlitePersonaStore(_database.Options).GetAsync("u"));
        Assert.Contains("newer than this library knows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateLease_IsExclusive_ReleasedOnDispose_AndExpiresWhenItsHolderDied()
    {
        var time = new FakeTimeProvider(Now);
        var processA = new SqlitePersonaUpdateLock(_database.Options, time);
        var processB = new SqlitePersonaUpdateLock(_database.Options, time);

        var held = await processA.TryAcquireAsync("u");
        Assert.NotNull(held);
        Assert.Null(await processB.TryAcquireAsync("u"));
        Assert.NotNull(await processB.TryAcquireAsync("someone-else"));

        await held.DisposeAsync();
        var taken = await processB.TryAcquireAsync("u");
        Assert.NotNull(taken);

        // B stalls without releasing: after the lease duration, A takes over.
        Assert.Null(await processA.TryAcquireAsync("u"));
        time.Advance(_database.Options.Value.UpdateLeaseDuration);
        Assert.Null(await processA.TryAcquireAsync("u")); // held for the whole lease duration, its last instant included
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await processA.TryAcquireAsync("u"));

        // B comes back and lets go of the lease it lost: A's lease stays.
        await taken.DisposeAsync();
        Assert.Null(await processB.TryAcquireAsync("u"));
    }

    [Fact]
    public async Task AFirstUseThatFailed_IsTriedAgainByTheNextCall()
    {
        // The database's folder is not there yet (a volume mounted after the app started): the first call fails, and the
        // next one, once it is there, creates the schema rather than repeating the first failure.
        var folder = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(_database.Path)!, "not-yet-mounted");
        var options = Microsoft.Extensions.Options.Options.Create(new SqliteStorageOptions { ConnectionString = $"Data Source={System.IO.Path.Combine(folder, "aipersona.db")}" });
        var store = new SqlitePersonaStore(options);

        await Assert.ThrowsAsync<SqliteException>(() => store.GetAsync("u"));
        Directory.CreateDirectory(folder);

        Assert.True((await store.GetAsync("u")).IsEmpty);
        await store.SaveAsync(Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        Assert.Equal(1, (await store.GetAsync("u")).Version);
    }

    [Fact]
    public void MissingConnectionString_FailsClearly()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SqlitePersonaStore(Microsoft.Extensions.Options.Options.Create(new SqliteStorageOptions())));
        Assert.Contains("ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _database.Dispose();

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(_database.Options.Value.ConnectionString);
        await connection.OpenAsync();
        var value = await SqliteDatabase.Command(connection, sql).ExecuteScalarAsync();
        return value is long l ? (int)l : value;
    }

    private async Task ExecuteAsync(string sql, params (string, object?)[] parameters)
    {
        await using var connection = new SqliteConnection(_database.Options.Value.ConnectionString);
        await connection.OpenAsync();
        await SqliteDatabase.Command(connection, sql, null, parameters).ExecuteNonQueryAsync();
    }
}
