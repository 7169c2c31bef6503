using Microsoft.Extensions.Options;
using Npgsql;

namespace AiPersona.Tests.Storage.PostgreSql;

/// <summary>A fresh PostgreSQL schema for one test, dropped afterwards. The server comes from the AIPERSONA_POSTGRES
/// connection string (.ci/run starts one). Without it the test is skipped locally, and fails under CI.</summary>
public sealed class PostgreSqlTestSchema : IAsyncDisposable
{
    public const string Variable = "AIPERSONA_POSTGRES";

    private PostgreSqlTestSchema(string connectionString)
    {
        ConnectionString = connectionString;
        Name = "t_" + Guid.NewGuid().ToString("N");
        Options = Microsoft.Extensions.Options.Options.Create(new PostgreSqlStorageOptions { ConnectionString = connectionString, SchemaName = Name });
    }

    public string ConnectionString { get; }

    public string Name { get; }

    public IOptions<PostgreSqlStorageOptions> Options { get; }

    public static PostgreSqlTestSchema Create()
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{Variable} is not set, but CI=true: CI must exercise PostgreSQL. .ci/run starts a server and sets it.");
            }

            Assert.Skip($"PostgreSQL tests need a server: set {Variable} to an Npgsql connection string (for example \"Host=127.0.0.1;Port=5432;Username=postgres\"), or run .ci/run, which starts one.");
        }

        return new PostgreSqlTestSchema(connectionString);
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", Name, StringComparison.Ordinal), connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ScalarAsync($"DROP SCHEMA IF EXISTS {Name} CASCADE;");
        NpgsqlConnection.ClearAllPools();
    }
}
