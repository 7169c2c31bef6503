using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage.PostgreSql;

/// <summary>The multi-instance scenario on PostgreSQL: 50 users on four instances.</summary>
public sealed class PostgreSqlMultiInstanceTests : MultiInstanceTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;

    protected override int Users => 50;

    [Fact]
    public async Task FiftyUsersOnFourInstances_EachBatchOfThreeSessionsIsLearnedExactlyOnce()
    {
        _schema = PostgreSqlTestSchema.Create();
        await RunAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }

    protected override void UseSharedStorage(IAiPersonaBuilder builder)
        => builder.UsePostgreSql(_schema!.ConnectionString + ";Maximum Pool Size=20", o => o.SchemaName = _schema.Name);
}
