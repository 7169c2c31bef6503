using AiPersona;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AiPersona's services.</summary>
public static class AiPersonaServiceCollectionExtensions
{
    /// <summary>Registers the persona store, session manager, optimizer, tool executor, scheduler and options.</summary>
    /// <remarks>
    /// Every service is added with <c>TryAdd</c>: calling this twice is harmless, and a service registered before it
    /// replaces the default. Storage defaults to in-memory stores, which log a warning when first used; use
    /// <c>UseFileSystemStorage</c> or a database package to keep personas across restarts. The optimizer uses the
    /// <see cref="IChatClient"/> registered under the key <see cref="AiPersonaOptions.OptimizerChatClientKey"/>, else the
    /// unkeyed one.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder for further configuration.</returns>
    public static IAiPersonaBuilder AddAiPersona(this IServiceCollection services, Action<AiPersonaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AiPersonaOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiPersonaOptions>, AiPersonaOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiPersonaOptions>>(new ServiceLifetimeValidator(services)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPersonaStore>(sp => InMemoryDefault(sp, "Personas", new InMemoryPersonaStore()));
        services.TryAddSingleton<ISessionStore>(sp => InMemoryDefault(sp, "Conversation sessions", new InMemorySessionStore()));
        services.TryAddSingleton<ISessionManager>(sp => new SessionManager(
            sp.GetRequiredService<ISessionStore>(),
            sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SessionManager>>()));
        services.TryAddSingleton<IPersonaOptimizer>(sp => new LlmPersonaOptimizer(
            ResolveOptimizerClient(sp),
            sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(),
            sp.GetService<ILogger<LlmPersonaOptimizer>>()));
        services.TryAddSingleton<IToolExecutor, FunctionToolExecutor>();
        services.TryAddSingleton<ITokenCounter>(CharacterTokenCounter.Instance);
        services.TryAddSingleton<IPersonaRenderer>(sp => new PersonaRenderer(sp.GetRequiredService<ITokenCounter>()));
        services.TryAddSingleton<IPersonaUpdateLock, InProcessPersonaUpdateLock>();
        services.TryAddSingleton(sp => new PersonaUpdater(
            sp.GetRequiredService<IPersonaStore>(),
            sp.GetRequiredService<ISessionManager>(),
            sp.GetRequiredService<IPersonaOptimizer>(),
            sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<IPersonaUpdateLock>()));
        services.TryAddSingleton(sp => new PersonaCache(
            sp.GetRequiredService<IPersonaStore>(),
            sp.GetRequiredService<IPersonaRenderer>(),
            sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new PersonaUpdateScheduler(
            sp.GetRequiredService<PersonaUpdater>(),
            sp.GetRequiredService<ISessionManager>(),
            sp.GetRequiredService<PersonaCache>(),
            sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PersonaUpdateScheduler>>()));
        services.TryAddSingleton<ServiceHeldConversations>();
        services.TryAddSingleton<OptimizerClientFallback>();
        return new AiPersonaBuilder(services);
    }

    /// <summary>Registers AiPersona's services with options bound from a configuration section, then <paramref name="configure"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("AiPersona")</c>. Sections under
    /// <c>Schema:Sections</c> replace the default schema's (they are not added to the paper's four); <c>Schema</c>'s other
    /// settings, such as <c>AllowUnknownFields</c>, apply to the default schema when no sections are given. A key that names
    /// no option fails at start-up (a misspelling must not leave a default in place silently), so the section holds
    /// AiPersona's options only.</param>
    /// <param name="configure">Configures the options after binding.</param>
    /// <returns>A builder for further configuration.</returns>
    public static IAiPersonaBuilder AddAiPersona(this IServiceCollection services, IConfiguration configuration, Action<AiPersonaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AiPersonaOptions>().Configure(options =>
        {
            // Binding appends to existing lists: configured sections start from a schema without any. The schema's other
            // settings alone ("AllowUnknownFields": true) are bound onto the default one.
            if (configuration.GetSection($"{nameof(AiPersonaOptions.Schema)}:{nameof(PersonaSchema.Sections)}").Exists())
            {
                options.Schema = new PersonaSchema();
            }

            // A misspelt key ("SessionPerUpdate") would otherwise be ignored and its default used without a word.
            configuration.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        });
        return services.AddAiPersona(configure);
    }

    /// <summary>Keeps personas and sessions as files under a directory (the paper's per-user files), and coordinates
    /// persona updates across the processes sharing it with OS file locks.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="rootDirectory">The directory; created if missing. Nothing outside it is touched.</param>
    /// <returns>The builder.</returns>
    public static IAiPersonaBuilder UseFileSystemStorage(this IAiPersonaBuilder builder, string rootDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        var options = Options.Options.Create(new FileSystemStorageOptions { RootDirectory = rootDirectory });
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaStore>(_ => new FileSystemPersonaStore(options)));
        builder.Services.Replace(ServiceDescriptor.Singleton<ISessionStore>(_ => new FileSystemSessionStore(options)));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaUpdateLock>(_ => new FileSystemPersonaUpdateLock(options)));
        UpdateLeaseOptionsValidator.Unregister(builder.Services); // OS file locks do not expire
        return builder;
    }

    /// <summary>Runs function calls through the <see cref="SimulatedToolExecutor"/>: a chat model simulates each API from
    /// its documentation. For benchmarks and dry runs.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="simulationClientKey">The key of the keyed <see cref="IChatClient"/> that simulates APIs; the unkeyed
    /// client when <see langword="null"/> (which may be the personalized pipeline itself: the simulation calls pass through
    /// its personalization layer untouched). The client is resolved for each simulated call, in a service scope of its own,
    /// so it may be registered with any lifetime.</param>
    /// <returns>The builder.</returns>
    public static IAiPersonaBuilder UseSimulatedTools(this IAiPersonaBuilder builder, object? simulationClientKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IToolExecutor>(sp =>
        {
            var scopes = sp.GetRequiredService<IServiceScopeFactory>();
            return SimulatedToolExecutor.ResolvingClientLate(
                async () => (await ChatClientLoan.FromNewScopeAsync(
                    scopes,
                    scope => simulationClientKey is null ? scope.GetRequiredService<IChatClient>() : scope.GetRequiredKeyedService<IChatClient>(simulationClientKey)).ConfigureAwait(false))!.Value,
                sp.GetService<ILogger<SimulatedToolExecutor>>());
        }));
        return builder;
    }

    // The default stores say, once per service provider, that nothing survives a restart: an app that forgot to choose
    // storage learns it from its logs rather than from users whose personas are gone. A store registered by the app,
    // in-memory ones included, logs nothing.
    private static T InMemoryDefault<T>(IServiceProvider services, string what, T store)
        where T : notnull
    {
        if (services.GetService<ILoggerFactory>() is { } loggers)
        {
            Log.InMemoryStorage(loggers.CreateLogger<T>(), what, typeof(T).Name);
        }

        return store;
    }

    // Resolved on every optimization, in a scope of its own (see ChatClientLoan): the unkeyed client is often the
    // personalized pipeline, which depends on the optimizer, and a client lent by a personalized client is withdrawn when
    // that client is disposed. The optimizer's own calls pass through the personalization layer untouched.
    private static Func<ValueTask<ChatClientLoan>> ResolveOptimizerClient(IServiceProvider services)
    {
        var key = services.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>().CurrentValue.OptimizerChatClientKey;
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var fallback = services.GetService<OptimizerClientFallback>();
        return async () =>
            await ChatClientLoan.FromNewScopeAsync(scopes, sp => sp.GetKeyedService<IChatClient>(key) ?? sp.GetService<IChatClient>()).ConfigureAwait(false)
            ?? fallback?.Borrow()
            ?? throw new InvalidOperationException(
                $"The persona optimizer needs an IChatClient: register one (services.AddChatClient(...)) or a keyed one under '{key}' " +
                $"(services.AddKeyedChatClient(\"{key}\", ...)), or build a PersonalizedChatClient, whose inner client it then uses.");
    }
}
