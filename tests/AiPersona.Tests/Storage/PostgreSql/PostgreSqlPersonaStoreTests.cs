namespace AiPersona.Tests.Storage.PostgreSql;

public sealed class PostgreSqlPersonaStoreTests : PersonaStoreConformanceTests, IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;
    private PostgreSqlPersonaStore? _store;

    protected override IPersonaStore Store
    {
        get
        {
            _schema ??= PostgreSqlTestSchema.Create();
            return _store ??= new PostgreSqlPersonaStore(_schema.Options);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
