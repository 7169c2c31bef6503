using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AiPersona.Tests.Differential;

/// <summary>One backend as an app sees it, for the differential tests: its own service provider and its own clock, which
/// the test advances alike for every backend it compares. Learned transcripts are kept for two hours; persona updates run
/// inline, so every step is done when it returns.</summary>
public sealed class DifferentialApp : IAsyncDisposable
{
    /// <summary>Where every clock starts.</summary>
    public static readonly DateTimeOffset Start = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly Action<IAiPersonaBuilder> _useStorage;
    private readonly Action<IServiceCollection>? _addClients;
    private readonly int _sessionsPerUpdate;
    private ServiceProvider _provider;

    /// <summary>Starts the app on the storage <paramref name="useStorage"/> configures (nothing: the in-memory default),
    /// with the chat clients <paramref name="addClients"/> registers, if any, learning every
    /// <paramref name="sessionsPerUpdate"/> sessions.</summary>
    public DifferentialApp(Action<IAiPersonaBuilder> useStorage, Action<IServiceCollection>? addClients = null, int sessionsPerUpdate = 3)
    {
        _useStorage = useStorage;
        _addClients = addClients;
        _sessionsPerUpdate = sessionsPerUpdate;
        _provider = Build();
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public ISessionManager Sessions => _provider.GetRequiredService<ISessionManager>();

    public IPersonaStore Store => _provider.GetRequiredService<IPersonaStore>();

    public IServiceProvider Services => _provider;

    /// <summary>A new service provider on the same storage and clock, as after a deployment.</summary>
    public async Task RestartAsync()
    {
        await _provider.DisposeAsync();
        _provider = Build();
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        _useStorage(services.AddAiPersona(o =>
        {
            o.LearnedSessionRetention = TimeSpan.FromHours(2);
            o.UpdateMode = PersonaUpdateMode.Inline;
            o.SessionsPerUpdate = _sessionsPerUpdate;
        }));
        _addClients?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
