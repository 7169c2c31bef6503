using AiPersona.Tests.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Differential;

/// <summary>The PostgreSQL stores against the in-memory ones (skipped without a server, as every PostgreSQL test).</summary>
public sealed class PostgreSqlDifferentialTests : BackendDifferentialTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }

    protected override void UseStorage(IAiPersonaBuilder builder)
    {
        _schema ??= PostgreSqlTestSchema.Create();
        builder.UsePostgreSql(_schema.ConnectionString, o => o.SchemaName = _schema.Name);
    }
}
