using Microsoft.Extensions.Options;

namespace AiPersona.Tests;

/// <summary>An options monitor over a fixed value.</summary>
public sealed class TestOptions<T>(T value) : IOptionsMonitor<T>
    where T : class
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

public static class TestOptions
{
    public static TestOptions<AiPersonaOptions> Create(Action<AiPersonaOptions>? configure = null)
    {
        var options = new AiPersonaOptions();
        configure?.Invoke(options);
        return new TestOptions<AiPersonaOptions>(options);
    }
}
