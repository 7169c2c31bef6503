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
