using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Benchmarks;

/// <summary>The storage of one runner's measurement: a temporary folder (file system, SQLite) or a temporary schema of
/// the PostgreSQL server that <c>AIPERSONA_POSTGRES</c> names, removed when disposed.</summary>
internal sealed class BenchmarkStorage(StoreKind kind, string? postgres) : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aipersona-bench-").FullName;
    private readonly string _schema = $"aipersona_bench_{Guid.NewGuid():N}";

    public StoreKind Kind => kind;

    /// <summary>Measures on every store, each in fresh storage: PostgreSQL when <c>AIPERSONA_POSTGRES</c> holds a connection
    /// string, else a table row saying how to include it.</summary>
    /// <param name="measure">Measures on one store and prints its table row.</param>
    /// <param name="emptyCells">How many more cells the "not run" row needs to fill the table.</param>
    /// <returns>A task that completes when every store was measured.</returns>
    public static async Task ForEachStoreAsync(Func<BenchmarkStorage, Task> measure, int emptyCells)
    {
        var postgres = Environment.GetEnvironmentVariable("AIPERSONA_POSTGRES");
        foreach (var store in Enum.GetValues<StoreKind>())
        {
            if (store == StoreKind.PostgreSql && string.IsNullOrWhiteSpace(postgres))
            {
                Console.WriteLine("| PostgreSql | not run: set AIPERSONA_POSTGRES to a connection string (see docs/storage.md) |" + string.Concat(Enumerable.Repeat(" |", emptyCells)));
                continue;
            }

            await using var storage = new BenchmarkStorage(store, postgres);
            await measure(storage);
        }
    }

    /// <summary>Points AiPersona at this storage (the in-memory stores need nothing).</summary>
    public void Use(IAiPersonaBuilder builder)
    {
        switch (kind)
        {
            case StoreKind.FileSystem:
                builder.UseFileSystemStorage(_directory);
                break;
            case StoreKind.Sqlite:
                builder.UseSqlite($"Data Source={Path.Combine(_directory, "aipersona.db")}");
                break;
            case StoreKind.PostgreSql:
                builder.UsePostgreSql(postgres ?? throw new InvalidOperationException("PostgreSQL needs AIPERSONA_POSTGRES."), o => o.SchemaName = _schema);
                break;
        }
    }

    /// <summary>The persona and session stores of this storage, from a service provider the caller disposes.</summary>
    public (IPersonaStore Personas, ISessionStore Sessions, ServiceProvider Provider) CreateStores()
    {
        var services = new ServiceCollection();
        Use(services.AddAiPersona());
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IPersonaStore>(), provider.GetRequiredService<ISessionStore>(), provider);
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        if (kind == StoreKind.PostgreSql)
        {
            await using var connection = new Npgsql.NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE;", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
