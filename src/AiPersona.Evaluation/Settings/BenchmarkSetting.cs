using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AiPersona.Evaluation;

/// <summary>One row of the results table: how the assistant is personalized.</summary>
/// <param name="Kind">The setting family.</param>
/// <param name="SessionsPerUpdate">k, for persona learning.</param>
public sealed record BenchmarkSetting(BenchmarkSettingKind Kind, int SessionsPerUpdate = 0)
{
    /// <summary>Gets the No Persona setting.</summary>
    public static BenchmarkSetting NoPersona { get; } = new(BenchmarkSettingKind.NoPersona);

    /// <summary>Gets the Golden Persona setting.</summary>
    public static BenchmarkSetting GoldenPersona { get; } = new(BenchmarkSettingKind.GoldenPersona);

    /// <summary>Gets the Conversation RAG setting.</summary>
    public static BenchmarkSetting ConversationRag { get; } = new(BenchmarkSettingKind.ConversationRag);

    /// <summary>Gets the paper's six rows: No Persona, Golden Persona, Conversation RAG, Persona Learning k = 1, 3, 5.</summary>
    public static IReadOnlyList<BenchmarkSetting> All { get; } = [NoPersona, GoldenPersona, ConversationRag, Learning(1), Learning(3), Learning(5)];

    /// <summary>Gets the name used in tables and file names.</summary>
    public string Name => Kind switch
    {
        BenchmarkSettingKind.NoPersona => "No Persona",
        BenchmarkSettingKind.GoldenPersona => "Golden Persona",
        BenchmarkSettingKind.ConversationRag => "Conversation RAG",
        _ => "Persona Learning (k=" + SessionsPerUpdate.ToString(CultureInfo.InvariantCulture) + ")",
    };

    /// <summary>Gets a file-system-safe key.</summary>
    public string Key => Kind == BenchmarkSettingKind.PersonaLearning
        ? "learning-k" + SessionsPerUpdate.ToString(CultureInfo.InvariantCulture)
        : Kind.ToString().ToLowerInvariant();

    /// <summary>Creates a persona-learning setting.</summary>
    /// <param name="k">Sessions per update.</param>
    /// <returns>The setting.</returns>
    public static BenchmarkSetting Learning(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return new BenchmarkSetting(BenchmarkSettingKind.PersonaLearning, k);
    }

    /// <summary>Parses a key such as <c>nopersona</c> or <c>learning-k3</c>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The setting.</returns>
    public static BenchmarkSetting Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TryParse(key, out var setting)
            ? setting
            : throw new ArgumentException($"Unknown setting '{key}'. Use nopersona, goldenpersona, conversationrag or learning-k<N>.", nameof(key));
    }

    /// <summary>Parses a key such as <c>nopersona</c> or <c>learning-k3</c>, without throwing.</summary>
    /// <param name="key">The key.</param>
    /// <param name="setting">The setting, when the key names one.</param>
    /// <returns>Whether the key names a setting.</returns>
    public static bool TryParse(string? key, [NotNullWhen(true)] out BenchmarkSetting? setting)
    {
        setting = key is null ? null
            : All.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase))
                ?? (key.StartsWith("learning-k", StringComparison.OrdinalIgnoreCase) && int.TryParse(key[10..], CultureInfo.InvariantCulture, out var k) && k > 0
                    ? Learning(k)
                    : null);
        return setting is not null;
    }
}
