using AiPersona.Tests.Sessions;

namespace AiPersona.Tests.Storage.Sqlite;

public sealed class SqliteSessionStoreTests : SessionStoreConformanceTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    public SqliteSessionStoreTests() => Store = new SqliteSessionStore(_database.Options);

    protected override ISessionStore Store { get; }

    public void Dispose() => _database.Dispose();
}
