using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Storage.PostgreSql;

/// <summary>ForgetUserAsync against PostgreSQL: it waits for the update lease another instance holds, and leaves no row of
/// the user behind.</summary>
public sealed class PostgreSqlForgetUserTests : IAsyncDisposable
{
    private PostgreSqlTestSchema? _schema;

    private PostgreSqlTestSchema Schema => _schema ??= PostgreSqlTestSchema.Create();

    [Fact]
    public async Task ForgetUser_WaitsForALeaseHeldByAnotherInstance_ThenLeavesNoRowOfTheUser()
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline).UsePostgreSql(Schema.ConnectionString, o => o.SchemaName = Schema.Name);
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        for (var s = 1; s <= 4; s++)
        {
            await client.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"));
        }

        Assert.Equal(1, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);

        // Another instance is updating ana: it holds her lease.
        await using var otherInstance = new PostgreSqlPersonaUpdateLock(Schema.Options);
        var lease = await otherInstance.TryAcquireAsync("ana");
        Assert.NotNull(lease);
        var forget = client.GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        await Task.Delay(300);
        Assert.False(forget.IsCompleted); // waiting for the lease

        await lease.DisposeAsync();
        await forget.WaitAsync(TimeSpan.FromMinutes(1));

        foreach (var table in new[] { "personas", "persona_revisions", "sessions", "session_messages", "update_leases" })
        {
            Assert.Equal(0L, await Schema.ScalarAsync($"SELECT count(*) FROM {{schema}}.{table};"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
