using AiPersona.Tests.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on PostgreSQL, restarted half-way.</summary>
public sealed class PostgreSqlLifelongTests : LifelongTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;

    [Theory]
    [InlineData(PersonaUpdateMode.Inline)]
    [InlineData(PersonaUpdateMode.Background)]
    public async Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire(PersonaUpdateMode mode)
    {
        _schema = PostgreSqlTestSchema.Create();
        await RunAsync(mode);
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
