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
