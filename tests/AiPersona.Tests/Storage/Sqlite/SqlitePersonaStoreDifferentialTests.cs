using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage.Sqlite;

/// <summary>The SQLite persona store against the in-memory one, over random sequences of changes.</summary>
public sealed class SqlitePersonaStoreDifferentialTests : PersonaStoreDifferentialTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task ARandomSequence_GivesWhatTheInMemoryBackendGives(int seed) => RunAsync(seed);

    public void Dispose() => _database.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseSqlite($"Data Source={_database.Path}");
}
