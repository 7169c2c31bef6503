namespace AiPersona.Tests.Storage.Sqlite;

public sealed class SqlitePersonaStoreTests : PersonaStoreConformanceTests, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    public SqlitePersonaStoreTests() => Store = new SqlitePersonaStore(_database.Options);

    protected override IPersonaStore Store { get; }

    [Fact]
    public async Task TwoStoreInstancesOnOneFile_RefuseStaleSaves()
    {
        var second = new SqlitePersonaStore(_database.Options);
        var user = NewUser();
        var v0 = await Store.GetAsync(user);
        await Store.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "one")], Now));

        await Assert.ThrowsAsync<PersonaConcurrencyException>(() => second.SaveAsync(v0.ApplyEdits([PersonaEdit.Set("demographics", "name", "two")], Now)));
        Assert.Equal("one", (await second.GetAsync(user)).GetValue("demographics", "name")!.Value);
    }

    [Theory]
    [InlineData("{\"userId\": \"torn")]
    [InlineData("null")] // readable JSON, but no document
    [InlineData("{\"userId\": \"u\", \"sections\": {\"demographics\": {\"name\": null}}, \"section\": null}")] // a null where a persona value or a revision's section belongs
    [InlineData("{\"userId\": \"u\", \"version\": 1, \"sections\": {}, \"sourceSessionIds\": []}")] // a persona's updatedAt, a revision's section, field and time left out
    public async Task DocumentsDamagedByHand_FailEveryReadOfTheirUser_AndAreLeftAsTheyAre(string damaged)
    {
        await AssertReadsOfADamagedUserFailAsync(user => ExecuteAsync(
            "UPDATE personas SET document = $damaged WHERE user_key = $key; UPDATE persona_revisions SET document = $damaged WHERE user_key = $key;",
            UserKeys.Of(user),
            damaged));

        Assert.Equal([damaged, damaged], await ReadAsync("SELECT document FROM personas UNION ALL SELECT document FROM persona_revisions;"));
    }

    public void Dispose() => _database.Dispose();

    private async Task ExecuteAsync(string sql, string key, string damaged)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(_database.Options.Value.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Microsoft.Data.Sqlite.SqliteCommand(sql, connection);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$damaged", damaged);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> ReadAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(_database.Options.Value.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Microsoft.Data.Sqlite.SqliteCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
