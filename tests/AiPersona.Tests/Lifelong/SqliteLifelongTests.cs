using AiPersona.Tests.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on one SQLite file, restarted half-way.</summary>
public sealed class SqliteLifelongTests : LifelongTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    [Theory]
    [InlineData(PersonaUpdateMode.Inline)]
    [InlineData(PersonaUpdateMode.Background)]
    public Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire(PersonaUpdateMode mode) => RunAsync(mode);

    public void Dispose() => _database.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseSqlite($"Data Source={_database.Path}");
}
