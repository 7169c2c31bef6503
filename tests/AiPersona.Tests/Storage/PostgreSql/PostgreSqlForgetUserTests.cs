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
        await forget.WithinAMinute();

        foreach (var table in new[] { "personas", "persona_revisions", "sessions", "session_messages", "update_leases" })
        {
            Assert.Equal(0L, await Schema.ScalarAsync($"SELECT count(*) FROM {{schema}}.{table};"));
        }
    }

    [Fact]
    public async Task AUserForgottenOnOneInstance_IsNoLongerPersonalizedOnAnother_OnceItsCacheExpires()
    {
        ServiceProvider Instance(TestChatClient model)
        {
            var services = new ServiceCollection();
            services.AddAiPersona(o =>
            {
                o.UpdateMode = PersonaUpdateMode.Inline;
                o.PersonaCacheDuration = TimeSpan.FromMilliseconds(200);
            }).UsePostgreSql(Schema.ConnectionString, o => o.SchemaName = Schema.Name);
            services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
            services.AddChatClient(model).UsePersonalization();
            return services.BuildServiceProvider();
        }

        var modelOfA = FakeModels.Chat();
        await using var a = Instance(modelOfA);
        await using var b = Instance(FakeModels.Chat());
        var chatA = a.GetRequiredService<IChatClient>();
        for (var s = 1; s <= 4; s++)
        {
            await chatA.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"));
        }

        Assert.Contains(modelOfA.Calls[^1].Messages, m => m.Text.Contains("<user_persona>", StringComparison.Ordinal)); // learned, cached on A

        await b.GetRequiredService<IChatClient>().GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        await Task.Delay(TimeSpan.FromMilliseconds(400)); // longer than A's PersonaCacheDuration
        await chatA.GetResponseAsync([User("Anything for tonight?")], new ChatOptions { ConversationId = "c5" }.WithPersonaUser("ana"));

        Assert.DoesNotContain(modelOfA.Calls[^1].Messages, m => m.Text.Contains("<user_persona>", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
