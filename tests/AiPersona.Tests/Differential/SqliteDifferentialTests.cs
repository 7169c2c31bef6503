using AiPersona.Tests.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Differential;

/// <summary>The SQLite stores against the in-memory ones.</summary>
public sealed class SqliteDifferentialTests : BackendDifferentialTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseSqlite($"Data Source={_database.Path}");
}
