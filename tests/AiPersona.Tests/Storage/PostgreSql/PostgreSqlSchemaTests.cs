using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AiPersona.Tests.Storage.PostgreSql;

public sealed class PostgreSqlSchemaTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private PostgreSqlTestSchema? _schema;

    private PostgreSqlTestSchema Schema => _schema ??= PostgreSqlTestSchema.Create();

    [Fact]
    public async Task FirstUse_CreatesTheSchemaOnce_EvenWhenManyInstancesStartTogether()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgreSqlPersonaStore(Schema.Options)).ToList();

        await Task.WhenAll(stores.Select(s => s.GetAsync("u")));

        Assert.Equal(PostgreSqlAiPersonaSchema.LatestVersion, await Schema.ScalarAsync("SELECT max(version) FROM {schema}.schema_version;"));
        Assert.Equal(1L, await Schema.ScalarAsync("SELECT count(*) FROM {schema}.schema_version;"));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnOlderSchema_IsUpgradedInPlace_KeepingItsData()
    {
        // The library has one schema version so far; a second, test-only migration stands for the next release's.
        await using (var store = new PostgreSqlPersonaStore(Schema.Options))
        {
            await store.SaveAsync(Persona.CreateEmpty("old-user").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        }

        string[] nextRelease = [.. PostgreSqlAiPersonaSchema.Migrations, "ALTER TABLE {schema}.personas ADD COLUMN note text NULL; UPDATE {schema}.personas SET note = 'migrated';"];
        await using (var database = new PostgreSqlDatabase(Schema.Options.Value))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => database.MigrateAsync(nextRelease, nextRelease.Length, CancellationToken.None)));
        }

        Assert.Equal(nextRelease.Length, await Schema.ScalarAsync("SELECT max(version) FROM {schema}.schema_version;"));
        Assert.Equal(1L, await Schema.ScalarAsync("SELECT count(*) FROM {schema}.schema_version;"));
        Assert.Equal("migrated", await Schema.ScalarAsync("SELECT note FROM {schema}.personas;"));
        Assert.Contains("\"Ana\"", (string)(await Schema.ScalarAsync("SELECT document FROM {schema}.personas;"))!, StringComparison.Ordinal);
        Assert.Equal(1L, await Schema.ScalarAsync("SELECT count(*) FROM {schema}.persona_revisions;"));
    }

    [Fact]
    public async Task TheDocumentedScript_CreatesAWorkingSchema_ForAppsThatManageDdl()
    {
        await Schema.ScalarAsync(PostgreSqlAiPersonaSchema.GetScript(Schema.Name));
        var options = Microsoft.Extensions.Options.Options.Create(new PostgreSqlStorageOptions
        {
            ConnectionString = Schema.ConnectionString,
            SchemaName = Schema.Name,
            AutoCreateSchema = false,
        });
        await using var store = new PostgreSqlPersonaStore(options);

        await store.SaveAsync(Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));

        Assert.Equal("Ana", (await store.GetAsync("u")).GetValue("demographics", "name")!.Value);
    }

    [Fact]
    public async Task TheExplicitCreateCall_PreparesTheSchema_ForStoresWithoutAutoCreate()
    {
        await PostgreSqlAiPersonaSchema.CreateAsync(Schema.ConnectionString, Schema.Name);
        await PostgreSqlAiPersonaSchema.CreateAsync(Schema.ConnectionString, Schema.Name); // idempotent
        var options = Microsoft.Extensions.Options.Options.Create(new PostgreSqlStorageOptions
        {
            ConnectionString = Schema.ConnectionString,
            SchemaName = Schema.Name,
            AutoCreateSchema = false,
        });
        await using var sessions = new PostgreSqlSessionStore(options);

        await sessions.CreateAsync(new ConversationSession("s1", "u", null, SessionState.Open, Now, Now, null, null, [new SessionMessage("user", "hi", Now)]));

        Assert.Single(await sessions.GetSessionsAsync("u"));
        Assert.Equal(PostgreSqlAiPersonaSchema.LatestVersion, await Schema.ScalarAsync("SELECT max(version) FROM {schema}.schema_version;"));
    }

    [Fact]
    public async Task WithoutAutoCreate_AMissingSchemaFails_InsteadOfBeingCreated()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new PostgreSqlStorageOptions
        {
            ConnectionString = Schema.ConnectionString,
            SchemaName = Schema.Name,
            AutoCreateSchema = false,
        });
        await using var store = new PostgreSqlPersonaStore(options);

        await Assert.ThrowsAsync<PostgresException>(() => store.GetAsync("u"));
        Assert.Equal(0L, await Schema.ScalarAsync($"SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{Schema.Name}';"));

        // Once the DDL has run (the app started before its administrators ran the script), the same store works.
        await Schema.ScalarAsync(PostgreSqlAiPersonaSchema.GetScript(Schema.Name));
        await store.SaveAsync(Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
        Assert.Equal(1, (await store.GetAsync("u")).Version);
    }

    [Fact]
    public async Task AFirstUseThatFailed_IsTriedAgainByTheNextCall()
    {
        // The database does not exist yet when the app starts (it is created afterwards): the first call fails, and the
        // next one, once it exists, creates the schema rather than repeating the first failure.
        var database = "aipersona_" + Guid.NewGuid().ToString("N");
        var options = Microsoft.Extensions.Options.Options.Create(new PostgreSqlStorageOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(Schema.ConnectionString) { Database = database, Pooling = false }.ConnectionString,
            SchemaName = Schema.Name,
        });
        try
        {
            await using (var store = new PostgreSqlPersonaStore(options))
            {
                var ex = await Assert.ThrowsAsync<PostgresException>(() => store.GetAsync("u"));
                Assert.Equal(PostgresErrorCodes.InvalidCatalogName, ex.SqlState);
                await Schema.ScalarAsync($"CREATE DATABASE {database};");

                await store.SaveAsync(Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now));
                Assert.Equal(1, (await store.GetAsync("u")).Version);
            }
        }
        finally
        {
            await Schema.ScalarAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE);");
        }
    }

    [Fact]
    public async Task AStoreDisposesTheConnectionsItOpened_ButNotADatabaseItShares()
    {
        var personas = new PostgreSqlPersonaStore(Schema.Options);
        var sessions = new PostgreSqlSessionStore(Schema.Options);
        var leases = new PostgreSqlPersonaUpdateLock(Schema.Options);
        await personas.GetAsync("u");

        await personas.DisposeAsync();
        sessions.Dispose();
        await leases.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => personas.GetAsync("u"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sessions.GetLatestSessionAsync("u"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await leases.TryAcquireAsync("u"));

        // The stores AddAiPersona().UsePostgreSql() registers share one database, which the service provider disposes.
        await using var shared = new PostgreSqlDatabase(Schema.Options.Value);
        await new PostgreSqlPersonaStore(shared).DisposeAsync();
        new PostgreSqlSessionStore(shared).Dispose();
        await new PostgreSqlPersonaUpdateLock(shared, null).DisposeAsync();
        Assert.True((await new PostgreSqlPersonaStore(shared).GetAsync("u")).IsEmpty);
    }

    [Fact]
    public async Task ANewerSchema_IsRefusedWithAClearMessage()
    {
        await Schema.ScalarAsync($"CREATE SCHEMA {Schema.Name}; CREATE TABLE {Schema.Name}.schema_version (version integer NOT NULL); INSERT INTO {Schema.Name}.schema_version VALUES ({PostgreSqlAiPersonaSchema.LatestVersion + 1});");
        await using var store = new PostgreSqlPersonaStore(Schema.Options);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("u"));
        Assert.Contains("newer than this library knows", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Robert'); DROP TABLE students;--")]
    [InlineData("UPPER")]
    [InlineData("")]
    public void InvalidSchemaNames_AreRefused(string name)
        => Assert.Throws<ArgumentException>(() => PostgreSqlAiPersonaSchema.GetScript(name));

    [Fact]
    public async Task UpdateLease_IsExclusive_ReleasedOnDispose_AndExpiresWhenItsHolderDied()
    {
        var time = new FakeTimeProvider(Now);
        await using var instanceA = new PostgreSqlPersonaUpdateLock(Schema.Options, time);
        await using var instanceB = new PostgreSqlPersonaUpdateLock(Schema.Options, time);

        var held = await instanceA.TryAcquireAsync("u");
        Assert.NotNull(held);
        Assert.Null(await instanceB.TryAcquireAsync("u"));
        Assert.NotNull(await instanceB.TryAcquireAsync("another user"));

        await held.DisposeAsync();
        var taken = await instanceB.TryAcquireAsync("u");
        Assert.NotNull(taken);

        // B stalls holding the lease: after the lease duration, A takes the work over.
        Assert.Null(await instanceA.TryAcquireAsync("u"));
        time.Advance(Schema.Options.Value.UpdateLeaseDuration);
        Assert.Null(await instanceA.TryAcquireAsync("u")); // held for the whole lease duration, its last instant included
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await instanceA.TryAcquireAsync("u"));

        // B comes back and lets go of the lease it lost: A's lease stays.
        await taken.DisposeAsync();
        Assert.Null(await instanceB.TryAcquireAsync("u"));
    }

    [Fact]
    public async Task ConcurrentLeaseAttempts_GrantExactlyOne()
    {
        var locks = Enumerable.Range(0, 8).Select(_ => new PostgreSqlPersonaUpdateLock(Schema.Options)).ToList();

        var results = await Task.WhenAll(locks.Select(l => l.TryAcquireAsync("contended").AsTask()));

        Assert.Single(results, r => r is not null);
        foreach (var l in locks)
        {
            await l.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
