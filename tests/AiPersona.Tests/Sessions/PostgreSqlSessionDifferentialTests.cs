using AiPersona.Tests.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Sessions;

/// <summary>The PostgreSQL session store against the in-memory one, over random sequences of operations.</summary>
public sealed class PostgreSqlSessionDifferentialTests : SessionBackendDifferentialTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ARandomSequence_GivesWhatTheInMemoryBackendGives(int seed)
    {
        _schema = PostgreSqlTestSchema.Create();
        await RunAsync(seed);
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UsePostgreSql(_schema!.ConnectionString, o => o.SchemaName = _schema.Name);
}
