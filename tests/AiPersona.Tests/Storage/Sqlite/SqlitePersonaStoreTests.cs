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

    public void Dispose() => _database.Dispose();
}
