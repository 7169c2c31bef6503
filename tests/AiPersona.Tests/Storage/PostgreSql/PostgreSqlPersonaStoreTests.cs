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

    [Theory]
    [InlineData("{\"userId\": \"torn")]
    [InlineData("null")] // readable JSON, but no document
    [InlineData("{\"userId\": \"u\", \"sections\": {\"demographics\": {\"name\": null}}, \"section\": null}")] // a null where a persona value or a revision's section belongs
    [InlineData("{\"userId\": \"u\", \"version\": 1, \"sections\": {}, \"sourceSessionIds\": []}")] // a persona's updatedAt, a revision's section, field and time left out
    public async Task DocumentsDamagedByHand_FailEveryReadOfTheirUser_AndAreLeftAsTheyAre(string damaged)
    {
        _ = Store; // creates the test's schema
        await AssertReadsOfADamagedUserFailAsync(user => _schema!.ScalarAsync(
            $"UPDATE {{schema}}.personas SET document = '{damaged}' WHERE user_key = '{UserKeys.Of(user)}'; " +
            $"UPDATE {{schema}}.persona_revisions SET document = '{damaged}' WHERE user_key = '{UserKeys.Of(user)}';"));

        Assert.Equal($"{damaged}|{damaged}", await _schema!.ScalarAsync("SELECT string_agg(document, '|') FROM (SELECT document FROM {schema}.personas UNION ALL SELECT document FROM {schema}.persona_revisions) d;"));
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
