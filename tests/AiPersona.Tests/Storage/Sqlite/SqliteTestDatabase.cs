using Microsoft.Extensions.Options;

namespace AiPersona.Tests.Storage.Sqlite;

/// <summary>A fresh SQLite database file in a temporary directory.</summary>
public sealed class SqliteTestDatabase : IDisposable
{
    private readonly TempDirectory _directory = new();

    public SqliteTestDatabase()
    {
        Path = System.IO.Path.Combine(_directory.Path, "aipersona.db");
        Options = Microsoft.Extensions.Options.Options.Create(new SqliteStorageOptions { ConnectionString = $"Data Source={Path}" });
    }

    public string Path { get; }

    public IOptions<SqliteStorageOptions> Options { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
