using AiPersona.Tests.Sessions;

namespace AiPersona.Tests.Storage.PostgreSql;

public sealed class PostgreSqlSessionStoreTests : SessionStoreConformanceTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;
    private PostgreSqlSessionStore? _store;

    protected override ISessionStore Store
    {
        get
        {
            _schema ??= PostgreSqlTestSchema.Create();
            return _store ??= new PostgreSqlSessionStore(_schema.Options);
        }
    }

    protected override async Task<int> CountStoredMessagesAsync(string userId)
    {
        _ = Store;
        await using var connection = new Npgsql.NpgsqlConnection(_schema!.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {_schema.Name}.session_messages WHERE user_key = @key;", connection);
        command.Parameters.AddWithValue("key", UserKeys.Of(userId));
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task TwoInstancesOpeningASessionForOneUserAtOnce_LeaveExactlyOneOpen()
    {
        var user = NewUser();
        var first = Store;
        await using var second = new PostgreSqlSessionStore(_schema!.Options);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? first : second).CreateAsync(Open(NewSessionId(T0.AddSeconds(i)), user, T0.AddSeconds(i), $"m{i}"))));

        Assert.Equal(1, await first.CountSessionsAsync(user, SessionState.Open));
        Assert.Equal(7, await first.CountSessionsAsync(user, SessionState.Completed));
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(10, false)]
    public async Task AnOpeningThatKeepsLosingTheRace_IsTriedTenTimes_ThenReported(int racesLost, bool saved)
    {
        // Another instance opening a session for the same user between this one's completing the open session and its
        // insert shows as a unique violation of sessions_one_open. A trigger plays that instance here, deterministically,
        // for the first racesLost inserts; a sequence counts the attempts (it is not rolled back with them).
        var user = NewUser();
        _ = await Store.CountSessionsAsync(user, SessionState.Open); // creates the schema
        await _schema!.ScalarAsync(
            $$"""
            CREATE SEQUENCE {schema}.insert_attempts;
            CREATE FUNCTION {schema}.lose_race() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF nextval('{schema}.insert_attempts') <= {{racesLost}} THEN
                    RAISE EXCEPTION 'another instance opened a session' USING ERRCODE = 'unique_violation', CONSTRAINT = 'sessions_one_open';
                END IF;
                RETURN NEW;
            END $body$;
            CREATE TRIGGER lose_race BEFORE INSERT ON {schema}.sessions FOR EACH ROW EXECUTE FUNCTION {schema}.lose_race();
            """);
        var session = Open(NewSessionId(), user, T0, "hello");

        if (saved)
        {
            await Store.CreateAsync(session);
            Assert.Equal("hello", Assert.Single((await Store.GetLatestSessionAsync(user))!.Messages).Text);
        }
        else
        {
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Store.CreateAsync(session));
            Assert.Equal(("23505", "sessions_one_open"), (error.SqlState, error.ConstraintName));
            Assert.Null(await Store.GetLatestSessionAsync(user));
        }

        Assert.Equal(10L, await _schema.ScalarAsync("SELECT last_value FROM {schema}.insert_attempts;"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
