using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage.PostgreSql;

/// <summary>The PostgreSQL persona store against the in-memory one, over random sequences of changes.</summary>
public sealed class PostgreSqlPersonaStoreDifferentialTests : PersonaStoreDifferentialTests, IAsyncDisposable
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
