using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage.Sqlite;

/// <summary>The multi-instance scenario on one SQLite file: 20 users on four instances, each with its own connections, as
/// several processes on one machine would have.</summary>
public sealed class SqliteMultiInstanceTests : MultiInstanceTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    protected override int Users => 20;

    [Fact]
    public Task TwentyUsersOnFourInstances_EachBatchOfThreeSessionsIsLearnedExactlyOnce() => RunAsync();

    public void Dispose() => _database.Dispose();

    protected override void UseSharedStorage(IAiPersonaBuilder builder) => builder.UseSqlite($"Data Source={_database.Path}");
}
