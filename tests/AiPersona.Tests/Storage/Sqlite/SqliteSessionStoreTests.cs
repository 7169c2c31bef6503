using AiPersona.Tests.Sessions;

namespace AiPersona.Tests.Storage.Sqlite;

public sealed class SqliteSessionStoreTests : SessionStoreConformanceTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    public SqliteSessionStoreTests() => Store = new SqliteSessionStore(_database.Options);

    protected override ISessionStore Store { get; }

    protected override async Task<int> CountStoredMessagesAsync(string userId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM session_messages WHERE user_key = $key;";
        command.Parameters.AddWithValue("$key", UserKeys.Of(userId));
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    public void Dispose() => _database.Dispose();
}
