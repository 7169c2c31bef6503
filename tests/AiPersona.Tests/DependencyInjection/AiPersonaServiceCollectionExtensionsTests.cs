using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.DependencyInjection;

public sealed class AiPersonaServiceCollectionExtensionsTests
{
    [Fact]
    public void CallingTwice_IsHarmless()
    {
        var services = new ServiceCollection();
        services.AddAiPersona();
        services.AddAiPersona();

        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IPersonaStore)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(PersonaUpdateScheduler)));
        using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetServices<IPersonaStore>());
        Assert.Equal(["AiPersonaOptionsValidator", "ServiceLifetimeValidator"], provider.GetServices<IValidateOptions<AiPersonaOptions>>().Select(v => v.GetType().Name));
        Assert.Single(provider.GetServices<ISessionManager>());
    }

    [Theory]
    [InlineData("default")]
    [InlineData("file system")]
    [InlineData("in memory, registered by the app")]
    public async Task TheDefaultInMemoryStores_WarnOnce_ThatNothingSurvivesARestart(string storage)
    {
        using var root = new TempDirectory();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)));
        if (storage == "in memory, registered by the app")
        {
            services.AddSingleton<IPersonaStore, InMemoryPersonaStore>().AddSingleton<ISessionStore, InMemorySessionStore>();
        }

        var builder = services.AddAiPersona();
        if (storage == "file system")
        {
            builder.UseFileSystemStorage(root.Path);
        }

        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<IChatClient>();
            for (var turn = 1; turn <= 3; turn++)
            {
                await client.GetResponseAsync([User($"turn {turn}")], new ChatOptions().WithPersonaUser("ana"));
            }
        }

        var warnings = logs.GetSnapshot().Where(r => r.Id.Id == 26).ToList();
        if (storage != "default")
        {
            Assert.Empty(warnings);
            return;
        }

        // One warning per store, however many turns used it.
        Assert.Equal(["Conversation sessions", "Personas"], warnings.Select(w => w.StructuredState!.Single(p => p.Key == "What").Value).Order(StringComparer.Ordinal));
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.All(warnings, w => Assert.Contains("lost when the process exits", w.Message, StringComparison.Ordinal));
        Assert.Equal(["AiPersona.InMemoryPersonaStore", "AiPersona.InMemorySessionStore"], warnings.Select(w => w.Category!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RegisteredServices_ReplaceTheDefaults()
    {
        var custom = new InMemoryPersonaStore();
        var services = new ServiceCollection();
        services.AddSingleton<IPersonaStore>(custom);
        services.AddAiPersona();
        using var provider = services.BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<IPersonaStore>());
        Assert.IsType<InMemorySessionStore>(provider.GetRequiredService<ISessionStore>());
        Assert.IsType<FunctionToolExecutor>(provider.GetRequiredService<IToolExecutor>());
    }

    [Fact]
    public void InvalidOptions_FailWhenTheClientIsBuilt_WithTheOptionNamed()
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.SessionsPerUpdate = 0);
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("SessionsPerUpdate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidOptions_FailAtHostStartUp()
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.PersonaTokenBudget = 1);
        using var provider = services.BuildServiceProvider();

        // What the generic host runs when it starts: options registered with ValidateOnStart are checked.
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("PersonaTokenBudget", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped, false)]
    [InlineData(ServiceLifetime.Transient, false)]
    [InlineData(ServiceLifetime.Scoped, true)]
    public void AStoreRegisteredScopedOrTransient_FailsAtStartUp_SayingWhyAndWhatToDo(ServiceLifetime lifetime, bool registeredBeforeAddAiPersona)
    {
        IServiceCollection services = new ServiceCollection();
        var store = new ServiceDescriptor(typeof(ISessionStore), _ => new InMemorySessionStore(), lifetime);
        if (registeredBeforeAddAiPersona)
        {
            services.Add(store);
        }

        services.AddAiPersona();
        if (!registeredBeforeAddAiPersona)
        {
            services.Add(store);
        }

        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        using var provider = services.BuildServiceProvider();

        // At host start-up, and (without a host, or scope validation to stop it first) when the client is built.
        foreach (var start in new Action[] { () => provider.GetRequiredService<IStartupValidator>().Validate(), () => provider.GetRequiredService<IChatClient>() })
        {
            var ex = Assert.Throws<OptionsValidationException>(start);
            Assert.Contains($"ISessionStore is registered as {lifetime}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("register them as singletons", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_BindFromConfiguration_AndASchemaReplacesTheDefault()
    {
        var options = OptionsBoundFrom(
            new()
            {
                ["AiPersona:SessionsPerUpdate"] = "5",
                ["AiPersona:SessionIdleTimeout"] = "00:10:00",
                ["AiPersona:UpdateMode"] = "Inline",
                ["AiPersona:LearnedSessionRetention"] = "30.00:00:00",
                ["AiPersona:Schema:Sections:0:Name"] = "travel",
                ["AiPersona:Schema:Sections:0:Fields:0:Name"] = "seat",
            },
            o => o.MaxValueLength = 99);

        Assert.Equal((5, TimeSpan.FromMinutes(10), PersonaUpdateMode.Inline, 99), (options.SessionsPerUpdate, options.SessionIdleTimeout, options.UpdateMode, options.MaxValueLength));
        Assert.Equal(TimeSpan.FromDays(30), options.LearnedSessionRetention);
        Assert.Equal("travel", Assert.Single(options.Schema.Sections).Name);
        Assert.Equal("seat", Assert.Single(options.Schema.Sections[0].Fields).Name);
    }

    [Fact]
    public void Options_FromConfiguration_WithSchemaSettingsButNoSections_KeepTheDefaultSchema()
    {
        var schema = OptionsBoundFrom(new()
        {
            ["AiPersona:Schema:AllowUnknownFields"] = "true",
            ["AiPersona:Schema:MaxUnknownFields"] = "5",
        }).Schema;

        Assert.Equal(PersonaSchema.CreateDefault().Sections.Select(s => s.Name), schema.Sections.Select(s => s.Name));
        Assert.Equal((true, 5), (schema.AllowUnknownFields, schema.MaxUnknownFields));
    }

    [Fact]
    public void Options_FromConfiguration_WithSectionsAndSchemaSettings_HaveBoth()
    {
        var schema = OptionsBoundFrom(new()
        {
            ["AiPersona:Schema:AllowUnknownFields"] = "true",
            ["AiPersona:Schema:Sections:0:Name"] = "travel",
            ["AiPersona:Schema:Sections:0:Fields:0:Name"] = "seat",
        }).Schema;

        Assert.Equal("travel", Assert.Single(schema.Sections).Name);
        Assert.True(schema.AllowUnknownFields);
    }

    [Theory]
    [InlineData("AiPersona:SessionPerUpdate", "5", "'SessionPerUpdate'")] // misspelt: would silently leave k = 3
    [InlineData("AiPersona:Schema:Sections:0:Feilds:0:Name", "seat", "'Feilds'")]
    [InlineData("AiPersona:UpdateMode", "Inlined", "'Inlined' at 'AiPersona:UpdateMode'")]
    public void Options_FromConfiguration_WithAnUnknownKeyOrValue_FailAtStartUp_NamingIt(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AiPersona:Schema:Sections:0:Name"] = "travel",
            [key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddAiPersona(configuration.GetSection("AiPersona"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Optimizer_UsesTheKeyedChatClient_WhenOneIsRegistered()
    {
        var chat = FakeModels.Chat();
        var optimizerModel = FakeModels.Optimizer();
        var services = new ServiceCollection();
        services.AddAiPersona();
        services.AddChatClient(chat).UsePersonalization();
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
        using var provider = services.BuildServiceProvider();

        var optimizer = provider.GetRequiredService<IPersonaOptimizer>();
        await optimizer.OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), [CompletedSession("s", "u", "I like tea")]));

        Assert.Single(optimizerModel.Calls);
        Assert.Empty(chat.Calls);
    }

    [Fact]
    public async Task Optimizer_FallsBackToTheUnkeyedClient_AndPassesThroughThePersonalizationLayerUntouched()
    {
        var model = new TestChatClient();
        var optimizerReplies = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var chatReplies = FakeModels.Chat().GetResponseAsyncCallback!;
        model.GetResponseAsyncCallback = (m, o, ct) => o?.ResponseFormat is ChatResponseFormatJson ? optimizerReplies(m, o, ct) : chatReplies(m, o, ct);
        var services = new ServiceCollection();
        services.AddSingleton<IChatUserResolver>(new AlwaysUser("ana"));
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.SessionsPerUpdate = 1; });
        services.AddChatClient(model).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        await client.GetResponseAsync([User("I like tea")], new ChatOptions { ConversationId = "c1" });
        await client.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c2" });

        var optimizerCall = Assert.Single(model.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
        Assert.DoesNotContain(optimizerCall.Messages, m => m.Text.Contains("<user_persona>", StringComparison.Ordinal));
        Assert.Equal(2, (await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana")).Count); // the optimizer's call was not recorded
        Assert.Contains("tea", model.Calls[^1].Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnyChatClient_TheOptimizerFailsWithAClearMessage()
    {
        var services = new ServiceCollection();
        services.AddAiPersona();
        using var provider = services.BuildServiceProvider();
        var optimizer = provider.GetRequiredService<IPersonaOptimizer>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => optimizer.OptimizeAsync(
            new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), [CompletedSession("s", "u", "I like tea")])));
        Assert.Contains("AddKeyedChatClient", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithoutARegisteredChatClient_TheOptimizerUsesTheClientThePersonalizedClientWraps(bool viaBuilder)
    {
        var model = new TestChatClient();
        var optimizerReplies = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var chatReplies = FakeModels.Chat().GetResponseAsyncCallback!;
        model.GetResponseAsyncCallback = (m, o, ct) => o?.ResponseFormat is ChatResponseFormatJson ? optimizerReplies(m, o, ct) : chatReplies(m, o, ct);
        var services = new ServiceCollection();
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.SessionsPerUpdate = 1; });
        await using var provider = services.BuildServiceProvider();
        using IChatClient client = viaBuilder ? model.AsBuilder().UsePersonalization().Build(provider) : new PersonalizedChatClient(model, provider);

        await client.GetResponseAsync([User("I like tea")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"));
        await client.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c2" }.WithPersonaUser("ana"));

        Assert.Single(model.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
        Assert.Contains("tea", model.Calls[^1].Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADisposedPersonalizedClient_NoLongerLendsItsInnerClientToTheOptimizer()
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.SessionsPerUpdate = 1; });
        await using var provider = services.BuildServiceProvider();
        var (first, second) = TwoModelsAnsweringChatAndOptimizer();

        using (var earlier = new PersonalizedChatClient(first, provider))
        {
            // The optimizer uses the first client while it lives...
            await earlier.GetResponseAsync([User("I like jazz")], new ChatOptions { ConversationId = "c0" }.WithPersonaUser("bob"));
            await earlier.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("bob"));
        }

        var firstCalls = first.Calls.Count;
        using var client = new PersonalizedChatClient(second, provider);
        await client.GetResponseAsync([User("I like tea")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"));
        await client.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c2" }.WithPersonaUser("ana"));

        // ...and never again once it is disposed.
        Assert.Contains(first.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
        Assert.Equal(firstCalls, first.Calls.Count);
        Assert.Single(second.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
    }

    [Fact]
    public async Task WithTwoPersonalizedClientsAlive_TheOptimizerBorrowsTheFirstOnesInnerClient()
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.SessionsPerUpdate = 1; });
        await using var provider = services.BuildServiceProvider();
        var (first, second) = TwoModelsAnsweringChatAndOptimizer();
        using var earlier = new PersonalizedChatClient(first, provider);
        using var later = new PersonalizedChatClient(second, provider);

        await later.GetResponseAsync([User("I like tea")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"));
        await later.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c2" }.WithPersonaUser("ana"));

        Assert.Single(first.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
        Assert.DoesNotContain(second.Calls, c => c.Options?.ResponseFormat is ChatResponseFormatJson);
    }

    [Theory(Timeout = 30_000)] // resolving the simulation client up front dead-locked the service provider
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    public async Task SimulatedTools_RunThroughThePersonalizedPipelineItself_AsPlainModelCalls(ServiceLifetime lifetime)
    {
        // UseSimulatedTools() without a key simulates with the app's IChatClient: the personalized pipeline, whose
        // UseToolExecutor() resolves the executor. Its calls must pass through untouched, or (here, with RequireUser) fail
        // for want of a user.
        var model = CallingGetWeatherThenAnswering("Lisbon", "Sunny.", simulatedResult: "{\"forecast\": \"sun\"}");
        var services = new ServiceCollection();
        services.AddAiPersona(o => { o.UpdateMode = PersonaUpdateMode.Inline; o.RequireUser = true; }).UseSimulatedTools();
        services.AddChatClient(_ => model, lifetime).UsePersonalization().UseToolExecutor();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await using var request = provider.CreateAsyncScope(); // a scoped pipeline is resolved per scope, the simulator's too

        var response = await AskWithWeatherToolAsync(request.ServiceProvider, "Weather in Lisbon?", TestContext.Current.CancellationToken);

        Assert.Equal("Sunny.", response.Text);
        var result = model.Calls[^1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal("sun", Assert.IsType<JsonElement>(result.Result).GetProperty("forecast").GetString());
        var session = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.DoesNotContain(session.Messages, m => m.Text.Contains("You simulate an API", StringComparison.Ordinal));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task SimulatedTools_WithAKeyedClient_AsTheToolCallsRecipeHasIt_SimulateWithThatClient(ServiceLifetime lifetime)
    {
        var simulator = TestChatClient.Replying(_ => "{\"forecast\": \"rain\"}");
        var model = CallingGetWeatherThenAnswering("Porto", "Rainy.");
        var services = new ServiceCollection();
        services.AddAiPersona().UseSimulatedTools("tool-simulator");
        services.AddKeyedChatClient("tool-simulator", _ => simulator, lifetime);
        services.AddChatClient(model).UsePersonalization().UseToolExecutor();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var response = await AskWithWeatherToolAsync(provider, "Weather in Porto?", TestContext.Current.CancellationToken);

        Assert.Equal("Rainy.", response.Text);
        Assert.Contains("Porto", Assert.Single(simulator.Calls).Messages[^1].Text, StringComparison.Ordinal);
        Assert.Equal(2, model.Calls.Count);
        Assert.Equal(lifetime != ServiceLifetime.Singleton, simulator.Disposed); // resolved in a scope of its own, ended after the call
    }

    [Fact]
    public void PersonalizedClient_WithoutAddAiPersona_FailsWithAClearMessage()
    {
        var services = new ServiceCollection();
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("AddAiPersona", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileSystemStorage_KeepsPersonasAndPendingSessionsAcrossProviders()
    {
        using var root = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        ServiceProvider Build(TestChatClient optimizerModel)
        {
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Background).UseFileSystemStorage(root.Path);
            services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
            services.AddChatClient(FakeModels.Chat()).UsePersonalization();
            return services.BuildServiceProvider();
        }

        // First process: three sessions of ana complete, but the optimizer is down.
        var down = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => throw new HttpRequestException("down") };
        await using (var first = Build(down))
        {
            var client = first.GetRequiredService<IChatClient>();
            for (var s = 1; s <= 4; s++)
            {
                await client.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"));
            }

            await first.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();
            Assert.Equal(0, (await first.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
        }

        // Second process: any request (here another user's) starts recovery, which learns ana's pending sessions.
        var optimizer = FakeModels.Optimizer();
        await using var second = Build(optimizer);
        await second.GetRequiredService<IChatClient>().GetResponseAsync([User("hi")], new ChatOptions().WithPersonaUser("bob"));
        await second.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        Assert.Single(optimizer.Calls);
        Assert.Equal("thing1, thing2, thing3", (await second.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task DisposingTheProvider_CancelsARunningUpdateCleanly_AndLeavesItsSessionsPending()
    {
        var (provider, sessions) = await StartUpdateThatRunsUntilCancelledAsync(TimeSpan.Zero);
        await provider.DisposeAsync();

        Assert.Equal(3, await sessions.CountSessionsAsync("ana", SessionState.Completed));
    }

    [Fact]
    public async Task DisposingTheProvider_CancelsQueuedUpdatesQuietly_AndLeavesEveryonesSessionsPending()
    {
        var optimizerModel = new TestChatClient
        {
            GetResponseAsyncCallback = async (_, _, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException("unreachable");
            },
        };
        var sessions = new InMemorySessionStore();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddSingleton<ISessionStore>(sessions);
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)));
        services.AddAiPersona(o =>
        {
            o.ShutdownTimeout = TimeSpan.Zero;
            o.MaxConcurrentUpdates = 1;
        });
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        var scheduler = provider.GetRequiredService<PersonaUpdateScheduler>();
        string[] users = ["ana", "bob", "eve"];
        foreach (var user in users)
        {
            for (var s = 1; s <= 4; s++)
            {
                await client.GetResponseAsync([User($"message {s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser(user));
            }
        }

        // One update holds the only slot (blocked in the optimizer); the other two wait for it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (optimizerModel.Calls.Count < 1 || scheduler.UpdatesWaitingForSlot < 2)
        {
            await Task.Delay(10, timeout.Token);
        }

        await provider.DisposeAsync();

        foreach (var user in users)
        {
            Assert.Equal(3, await sessions.CountSessionsAsync(user, SessionState.Completed));
        }

        Assert.Single(optimizerModel.Calls);
        Assert.Single(logs.GetSnapshot(), r => r.Message.Contains("cancelled by shutdown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisposingTheSchedulerSynchronously_CancelsARunningUpdateAtOnce_AndLeavesItsSessionsPending()
    {
        var (provider, sessions) = await StartUpdateThatRunsUntilCancelledAsync(TimeSpan.FromMinutes(5));
        var scheduler = provider.GetRequiredService<PersonaUpdateScheduler>();

        // A synchronous Dispose cannot wait out the five-minute timeout on the caller's thread: it cancels first.
        await Task.Run(scheduler.Dispose).WithinAMinute();

        Assert.Equal(3, await sessions.CountSessionsAsync("ana", SessionState.Completed));
        await scheduler.DisposeAsync(); // a second disposal does nothing
        await provider.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task DisposingAClientThatLendsTheOptimizerItsModel_WithdrawsTheLoanAtOnce_SoAnUpdateStartedMeanwhileNeverCallsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var optimizerCalls = 0;
        var inner = new TestChatClient
        {
            // No IChatClient is registered: the optimizer borrows the model the personalized client wraps.
            GetResponseAsyncCallback = async (messages, options, token) =>
            {
                if (options?.ResponseFormat is not ChatResponseFormatJson)
                {
                    return new ChatResponse(Assistant("ok"));
                }

                Interlocked.Increment(ref optimizerCalls);
                started.TrySetResult();
                await release.Task;
                return await learning(messages, options, token);
            },
        };
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)));
        services.AddAiPersona(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));
        await using var provider = services.BuildServiceProvider();
        var personalized = new PersonalizedChatClient(inner, provider);
        var sessions = provider.GetRequiredService<ISessionManager>();
        var scheduler = provider.GetRequiredService<PersonaUpdateScheduler>();
        for (var s = 1; s <= 3; s++)
        {
            await personalized.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"), ct);
        }

        await scheduler.WhenIdleAsync(ct); // the start-up recovery the first call began is over: it must not find bob below
        for (var s = 1; s <= 3; s++)
        {
            await sessions.RecordTurnAsync("bob", $"c{s}", [User($"I like bob{s}")], [Assistant("ok")], cancellationToken: ct);
            await sessions.EndSessionAsync("bob", ct); // pending, but no update requested yet
        }

        await personalized.GetResponseAsync([User("I like thing4")], new ChatOptions { ConversationId = "c4" }.WithPersonaUser("ana"), ct);
        await started.Task.WithinAMinute(); // ana's update is inside the borrowed model
        try
        {
            var disposing = personalized.DisposeAsync().AsTask(); // waits for ana's update
            await scheduler.RequestUpdateAsync("bob", ct);
            while (!logs.GetSnapshot().Any(r => r.Id.Id == 5) && Volatile.Read(ref optimizerCalls) < 2)
            {
                await Task.Delay(10, ct);
            }

            Assert.Equal(1, Volatile.Read(ref optimizerCalls)); // bob's update found no model to borrow, and failed cleanly
            Assert.Contains("needs an IChatClient", logs.GetSnapshot().First(r => r.Id.Id == 5).Exception!.Message, StringComparison.Ordinal);
            Assert.Equal(3, await sessions.CountPendingSessionsAsync("bob", ct));
            Assert.False(disposing.IsCompleted);
            release.SetResult();
            await disposing;
            await scheduler.WhenIdleAsync(ct); // the loan ends with the optimizer's call; the update saves after it
            Assert.Equal(1, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana", ct)).Version);
        }
        finally
        {
            release.TrySetResult(); // a failed assertion must not leave the provider's disposal waiting five minutes
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task DisposingAClientThatLentTheOptimizerItsModel_WaitsForTheUpdateThatBorrowedIt_BeforeDisposingTheModel_ForUpToTheShutdownTimeout(
        bool asynchronously, bool updateOutlastsTheTimeout)
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var inner = new TestChatClient
        {
            // No IChatClient is registered: the optimizer borrows the model the personalized client wraps.
            GetResponseAsyncCallback = async (messages, options, token) =>
            {
                if (options?.ResponseFormat is not ChatResponseFormatJson)
                {
                    return new ChatResponse(Assistant("ok"));
                }

                started.TrySetResult();
                await release.Task;
                return await learning(messages, options, token);
            },
        };
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.ShutdownTimeout = updateOutlastsTheTimeout ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMinutes(5));
        await using var provider = services.BuildServiceProvider();
        var personalized = new PersonalizedChatClient(inner, provider);
        for (var s = 1; s <= 4; s++)
        {
            await personalized.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"), ct);
        }

        await started.Task.WithinAMinute();
        try
        {
            var disposing = asynchronously ? personalized.DisposeAsync().AsTask() : Task.Run(personalized.Dispose, ct);
            if (updateOutlastsTheTimeout)
            {
                // The wait ends at the shutdown timeout; the update still running is the scheduler's to cancel.
                await disposing.WithinAMinute();
                Assert.True(inner.Disposed);
            }
            else
            {
                await Task.Delay(50, ct);
                Assert.False(disposing.IsCompleted);
                Assert.False(inner.Disposed);
                release.SetResult();
                await disposing.WithinAMinute();
                Assert.True(inner.Disposed);
                await provider.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync(ct); // the loan ends with the optimizer's call
                Assert.Equal(1, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana", ct)).Version);
            }
        }
        finally
        {
            release.TrySetResult(); // a failed assertion must not leave the provider's disposal waiting five minutes
        }
    }

    [Fact]
    public async Task AnUpdateTheAppRunsItself_IsCarriedByTheNextRequest_NotOnlyOnceTheCachedPersonaExpires()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = FakeModels.Chat();
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.PersonaCacheDuration = TimeSpan.FromHours(1));
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
        services.AddChatClient(model).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        await client.GetResponseAsync([User("I like tea")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"), ct); // caches the empty persona
        await client.GetRequiredService<PersonalizedChatClient>().EndSessionAsync("ana", ct);

        // A "learn from what I said so far" button, say: one session, below k, learned on the app's request.
        var result = await provider.GetRequiredService<PersonaUpdater>().UpdateAsync("ana", force: true, ct);
        await client.GetResponseAsync([User("Hello again")], new ChatOptions { ConversationId = "c2" }.WithPersonaUser("ana"), ct);

        Assert.Equal(PersonaUpdateStatus.Applied, result.Status);
        Assert.Contains(model.Calls[^1].Messages, m => m.Role == ChatRole.System && m.Text.Contains("values_and_interests: \"tea\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisposingTheProvider_LetsARunningUpdateFinish_WithinTheShutdownTimeout()
    {
        var app = await HeldUpdate.StartAsync();

        var disposing = app.Provider.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        app.Release();
        await disposing;

        Assert.Equal(1, (await app.Store.GetAsync("ana")).Version);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposingTheClient_DoesNotWaitForAnUpdateThatUsesAnotherModel_WhichStillFinishes(bool asynchronously)
    {
        // A scoped client is disposed with every request's scope: it must not wait for everyone's updates each time.
        var app = await HeldUpdate.StartAsync();
        var personalized = app.Client.GetRequiredService<PersonalizedChatClient>();

        await (asynchronously ? personalized.DisposeAsync().AsTask() : Task.Run(personalized.Dispose)).WithinAMinute();
        Assert.Equal(0, (await app.Store.GetAsync("ana")).Version);
        app.Release();
        await app.Provider.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, (await app.Store.GetAsync("ana")).Version);
        await app.Provider.DisposeAsync();
    }

    // An app (its session store, for inspection) whose update of ana's first three sessions is inside an optimizer call that
    // only ends when cancelled.
    private static async Task<(ServiceProvider Provider, InMemorySessionStore Sessions)> StartUpdateThatRunsUntilCancelledAsync(TimeSpan shutdownTimeout)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var optimizerModel = new TestChatClient
        {
            GetResponseAsyncCallback = async (_, _, ct) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException("unreachable");
            },
        };
        var sessions = new InMemorySessionStore();
        var services = new ServiceCollection();
        services.AddSingleton<ISessionStore>(sessions);
        services.AddAiPersona(o => o.ShutdownTimeout = shutdownTimeout);
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        for (var s = 1; s <= 4; s++)
        {
            await client.GetResponseAsync([User($"message {s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"));
        }

        await started.Task.WithinAMinute();
        return (provider, sessions);
    }

    // An app whose first persona update is running and held until released.
    private sealed class HeldUpdate
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private HeldUpdate()
        {
        }

        public InMemoryPersonaStore Store { get; } = new();

        public ServiceProvider Provider { get; private set; } = null!;

        public IChatClient Client { get; private set; } = null!;

        public static async Task<HeldUpdate> StartAsync()
        {
            var app = new HeldUpdate();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var learning = FakeModels.Optimizer().GetResponseAsyncCallback!;
            var optimizerModel = new TestChatClient
            {
                GetResponseAsyncCallback = async (m, o, ct) =>
                {
                    started.TrySetResult();
                    await app._release.Task;
                    return await learning(m, o, ct);
                },
            };
            var services = new ServiceCollection();
            services.AddSingleton<IPersonaStore>(app.Store);
            services.AddAiPersona(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));
            services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
            services.AddChatClient(FakeModels.Chat()).UsePersonalization();
            app.Provider = services.BuildServiceProvider();
            app.Client = app.Provider.GetRequiredService<IChatClient>();
            for (var s = 1; s <= 4; s++)
            {
                await app.Client.GetResponseAsync([User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"));
            }

            await started.Task.WithinAMinute();
            return app;
        }

        public void Release() => _release.SetResult();
    }

    // A model that calls get_weather for the city, then answers once it has the result; given a simulated result, it also
    // plays the tool simulator (when it is the pipeline's own model).
    private static TestChatClient CallingGetWeatherThenAnswering(string city, string answer, string? simulatedResult = null) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(
            simulatedResult is not null && messages.Any(m => m.Text.Contains("You simulate an API", StringComparison.Ordinal))
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, simulatedResult))
                : messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Any()
                    ? new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
                    : new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = city })]))),
    };

    // AddAiPersona(IConfiguration) with the settings as its "AiPersona" section: the options the provider resolves.
    private static AiPersonaOptions OptionsBoundFrom(Dictionary<string, string?> settings, Action<AiPersonaOptions>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddAiPersona(configuration.GetSection("AiPersona"), configure);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AiPersonaOptions>>().Value;
    }

    private static Task<ChatResponse> AskWithWeatherToolAsync(IServiceProvider provider, string question, CancellationToken cancellationToken)
    {
        var weather = SimulatedToolExecutor.CreateFunction("get_weather", "Current weather for a city.", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement);
        return provider.GetRequiredService<IChatClient>().GetResponseAsync(
            [User(question)], new ChatOptions { ConversationId = "c1", Tools = [weather] }.WithPersonaUser("ana"), cancellationToken);
    }

    // Two models that answer chat requests and, when asked for JSON, optimizer requests: which one the optimizer borrows
    // shows in their calls.
    private static (TestChatClient First, TestChatClient Second) TwoModelsAnsweringChatAndOptimizer()
    {
        var optimizerReplies = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var chatReplies = FakeModels.Chat().GetResponseAsyncCallback!;
        var first = new TestChatClient { GetResponseAsyncCallback = (m, o, ct) => o?.ResponseFormat is ChatResponseFormatJson ? optimizerReplies(m, o, ct) : chatReplies(m, o, ct) };
        return (first, new TestChatClient { GetResponseAsyncCallback = first.GetResponseAsyncCallback });
    }

    private sealed class AlwaysUser(string userId) : IChatUserResolver
    {
        public ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(userId);
    }
}
