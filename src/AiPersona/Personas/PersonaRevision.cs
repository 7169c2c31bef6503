using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>One recorded change of one persona field.</summary>
/// <param name="Version">The persona version the change produced.</param>
/// <param name="Section">The section name.</param>
/// <param name="Field">The field name.</param>
/// <param name="OldValue">The value before the change; <see langword="null"/> when the field was added.</param>
/// <param name="NewValue">The value after the change; <see langword="null"/> when the field was removed.</param>
/// <param name="Reason">Why the change was made.</param>
/// <param name="SourceSessionIds">The sessions that supported the change.</param>
/// <param name="ChangedAt">When the change was made.</param>
public sealed record PersonaRevision(
    [property: JsonRequired] long Version,
    [property: JsonRequired] string Section,
    [property: JsonRequired] string Field,
    string? OldValue,
    string? NewValue,
    string? Reason,
    [property: JsonRequired] IReadOnlyList<string> SourceSessionIds,
    [property: JsonRequired] DateTimeOffset ChangedAt);
