using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace AiPersona.Tests.Api;

/// <summary>Public entry points reject null and invalid arguments with the parameter's own name, as MEAI's do.</summary>
public sealed class ArgumentValidationTests
{
    private static readonly IOptionsMonitor<AiPersonaOptions> Options = TestOptions.Create();
    private static readonly IChatClient Model = TestChatClient.Replying(_ => "ok");

    [Fact]
    public void Registration_names_the_null_argument()
    {
        AssertNull("services", () => AiPersonaServiceCollectionExtensions.AddAiPersona(null!));
        AssertNull("builder", () => PersonalizationChatClientBuilderExtensions.UsePersonalization(null!));
        AssertNull("builder", () => ToolExecutorChatClientBuilderExtensions.UseToolExecutor((ChatClientBuilder)null!));
        AssertNull("builder", () => AiPersonaServiceCollectionExtensions.UseFileSystemStorage(null!, "dir"));
        AssertNull("builder", () => SqliteAiPersonaBuilderExtensions.UseSqlite(null!, "Data Source=x.db"));
        AssertNull("builder", () => PostgreSqlAiPersonaBuilderExtensions.UsePostgreSql(null!, "Host=127.0.0.1"));

        var builder = new ServiceCollection().AddAiPersona();
        AssertInvalid("rootDirectory", () => builder.UseFileSystemStorage(" "));
        AssertInvalid("connectionString", () => builder.UseSqlite(""));
        AssertInvalid("connectionString", () => builder.UsePostgreSql(""));
    }

    [Fact]
    public async Task Storage_that_is_not_given_a_connection_string_fails_where_it_is_configured()
    {
        var builder = new ServiceCollection().AddAiPersona();

        // A bare path is the usual slip: the message says how to write it.
        var sqlite = AssertInvalid("connectionString", () => builder.UseSqlite("personas.db"));
        Assert.Contains("\"Data Source=personas.db\"", sqlite.Message, StringComparison.Ordinal);

        // Anything else is not echoed: it may hold a password.
        var secret = AssertInvalid("connectionString", () => builder.UseSqlite("Data Source=x.db;Password=hunter2;;=oops"));
        Assert.DoesNotContain("hunter2", secret.Message, StringComparison.Ordinal);
        var postgres = AssertInvalid("connectionString", () => builder.UsePostgreSql("Host=db;Password=hunter2;=oops"));
        Assert.DoesNotContain("hunter2", postgres.Message, StringComparison.Ordinal);
        Assert.Contains("not an Npgsql connection string", postgres.Message, StringComparison.Ordinal);
        AssertInvalid("connectionString", () => builder.UsePostgreSql("not a connection string"));
        await AssertInvalidAsync("connectionString", () => PostgreSqlAiPersonaSchema.CreateAsync("not a connection string"));

        // Options set in configure are checked too, before anything is registered.
        AssertInvalid("options", () => builder.UseSqlite("Data Source=x.db", o => o.UpdateLeaseDuration = TimeSpan.Zero));
        AssertInvalid("options", () => builder.UsePostgreSql("Host=db", o => o.UpdateLeaseDuration = TimeSpan.Zero));
        builder.UseSqlite("Data Source=x.db", o => o.UpdateLeaseDuration = TimeSpan.FromDays(1));
        builder.UsePostgreSql("Host=db", o => o.UpdateLeaseDuration = TimeSpan.FromDays(1));
        var sqliteLease = AssertInvalid("options", () => builder.UseSqlite("Data Source=x.db", o => o.UpdateLeaseDuration = TimeSpan.MaxValue));
        Assert.Contains("SqliteStorageOptions.UpdateLeaseDuration must be positive and at most one day", sqliteLease.Message, StringComparison.Ordinal);
        var postgresLease = AssertInvalid("options", () => builder.UsePostgreSql("Host=db", o => o.UpdateLeaseDuration = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1)));
        Assert.Contains("PostgreSqlStorageOptions.UpdateLeaseDuration must be positive and at most one day", postgresLease.Message, StringComparison.Ordinal);
        AssertInvalid("options", () => builder.UsePostgreSql("Host=db", o => o.ConnectionString = "oops"));
    }

    [Fact]
    public void Chat_client_and_options_extensions_name_the_null_argument()
    {
        using var provider = BuildProvider();
        AssertNull("innerClient", () => _ = new PersonalizedChatClient(null!, provider));
        AssertNull("services", () => _ = new PersonalizedChatClient(Model, null!));

        AssertNull("options", () => ChatOptionsPersonaExtensions.WithPersonaUser(null!, "u"));
        AssertNull("userId", () => _ = new ChatOptions().WithPersonaUser(null!));
        AssertInvalid("userId", () => _ = new ChatOptions().WithPersonaUser(""));
        AssertNull("options", () => ChatOptionsPersonaExtensions.WithPersonalization(null!, PersonalizationMode.Private));
    }

    [Fact]
    public void Engine_constructors_name_the_null_argument()
    {
        var store = new InMemoryPersonaStore();
        var sessions = new Mock<ISessionManager>().Object;
        var optimizer = new Mock<IPersonaOptimizer>().Object;
        AssertNull("store", () => _ = new PersonaUpdater(null!, sessions, optimizer, Options));
        AssertNull("sessions", () => _ = new PersonaUpdater(store, null!, optimizer, Options));
        AssertNull("optimizer", () => _ = new PersonaUpdater(store, sessions, null!, Options));
        AssertNull("options", () => _ = new PersonaUpdater(store, sessions, optimizer, null!));

        AssertNull("chatClient", () => _ = new SimulatedToolExecutor(null!));
        AssertNull("options", () => _ = new FileSystemPersonaStore(null!));
        AssertNull("options", () => _ = new FileSystemSessionStore(null!));
        AssertNull("options", () => _ = new SqlitePersonaStore(null!));
        AssertNull("options", () => _ = new SqliteSessionStore(null!));
        AssertNull("options", () => _ = new PostgreSqlPersonaStore((IOptions<PostgreSqlStorageOptions>)null!));
        AssertNull("options", () => _ = new PostgreSqlSessionStore((IOptions<PostgreSqlStorageOptions>)null!));
        AssertNull("models", () => _ = new PersonaBenchRunner(null!));
    }

    [Fact]
    public async Task Store_and_session_methods_name_the_bad_argument()
    {
        var store = new InMemoryPersonaStore();
        await AssertNullAsync("change", () => store.SaveAsync(null!));
        await AssertNullAsync("userId", () => store.GetAsync(null!));
        await AssertInvalidAsync("userId", () => store.GetAsync(""));
        await AssertNullAsync("userId", () => store.GetHistoryAsync(null!));
        await AssertNullAsync("userId", () => store.DeleteUserAsync(null!));

        var client = new PersonalizedChatClient(Model, BuildProvider());
        await AssertNullAsync("messages", () => client.GetResponseAsync((IEnumerable<ChatMessage>)null!));
        await AssertNullAsync("userId", () => client.EndSessionAsync(null!));
        await AssertNullAsync("userId", () => client.ForgetUserAsync(null!));
        await AssertNullAsync("userId", () => client.ForgetSessionAsync(null!, "s"));
        await AssertNullAsync("sessionId", () => client.ForgetSessionAsync("u", null!));
        await AssertNullAsync("section", () => client.ForgetFieldAsync("u", null!, "f"));
        await AssertInvalidAsync("field", () => client.ForgetFieldAsync("u", "s", " "));
        await AssertNullAsync("section", () => store.DeleteFieldHistoryAsync("u", null!, "f"));
    }

    [Fact]
    public void Persona_model_names_the_bad_argument()
    {
        AssertNull("userId", () => Persona.CreateEmpty(null!));
        AssertNull("section", () => PersonaEdit.Set(null!, "f", "v"));
        AssertNull("field", () => PersonaEdit.Set("s", null!, "v"));
        AssertNull("value", () => PersonaEdit.Set("s", "f", null!));
        AssertInvalid("value", () => PersonaEdit.Set("s", "f", " "));
        AssertInvalid("field", () => PersonaEdit.Remove("s", ""));
        AssertNull("edits", () => Persona.CreateEmpty("u").ApplyEdits(null!, DateTimeOffset.UnixEpoch));
        AssertInvalid("edits", () => Persona.CreateEmpty("u").ApplyEdits([new PersonaEdit("s", " ", PersonaEditOperation.Set, "v", null, [])], DateTimeOffset.UnixEpoch));
        AssertInvalid("name", () => _ = new PersonaFieldDefinition("", "d"));
        AssertInvalid("name", () => _ = new PersonaSectionDefinition(" ", "d"));
    }

    private static ServiceProvider BuildProvider()
    {
        var services = new ServiceCollection();
        services.AddAiPersona();
        services.AddChatClient(Model);
        return services.BuildServiceProvider();
    }

    private static void AssertNull(string parameter, Action action)
        => Assert.Equal(parameter, Assert.Throws<ArgumentNullException>(action).ParamName);

    private static ArgumentException AssertInvalid(string parameter, Action action)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(action);
        Assert.IsNotType<ArgumentNullException>(ex);
        Assert.Equal(parameter, ex.ParamName);
        return ex;
    }

    private static async Task AssertNullAsync(string parameter, Func<Task> action)
        => Assert.Equal(parameter, (await Assert.ThrowsAsync<ArgumentNullException>(action)).ParamName);

    private static async Task AssertInvalidAsync(string parameter, Func<Task> action)
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(action);
        Assert.IsNotType<ArgumentNullException>(ex);
        Assert.Equal(parameter, ex.ParamName);
    }
}
