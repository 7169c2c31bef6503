using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>One persona value and where it came from.</summary>
/// <param name="Value">The value, as free text.</param>
/// <param name="SetAt">When the value was set.</param>
/// <param name="SourceSessionIds">The sessions that support the value; empty when the application set it.</param>
/// <param name="Reason">Why the value was set, as given by the optimizer or the application.</param>
public sealed record PersonaValue(
    [property: JsonRequired] string Value,
    [property: JsonRequired] DateTimeOffset SetAt,
    [property: JsonRequired] IReadOnlyList<string> SourceSessionIds,
    string? Reason = null);
