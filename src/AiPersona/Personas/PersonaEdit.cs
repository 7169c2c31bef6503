namespace AiPersona;

/// <summary>A proposed change to one persona field.</summary>
/// <param name="Section">The section name.</param>
/// <param name="Field">The field name.</param>
/// <param name="Operation">Whether the field is set or removed.</param>
/// <param name="Value">The new value when <paramref name="Operation"/> is <see cref="PersonaEditOperation.Set"/>.</param>
/// <param name="Reason">Why the change is made.</param>
/// <param name="SourceSessionIds">The sessions that support the change.</param>
public sealed record PersonaEdit(
    string Section,
    string Field,
    PersonaEditOperation Operation,
    string? Value,
    string? Reason,
    IReadOnlyList<string> SourceSessionIds)
{
    /// <summary>Creates an edit that sets a field.</summary>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <param name="value">The new value.</param>
    /// <param name="reason">Why the change is made.</param>
    /// <param name="sourceSessionIds">The sessions that support the change.</param>
    /// <returns>The edit.</returns>
    /// <exception cref="ArgumentException"><paramref name="section"/>, <paramref name="field"/> or <paramref name="value"/>
    /// is null, empty or white space.</exception>
    public static PersonaEdit Set(string section, string field, string value, string? reason = null, params IReadOnlyList<string> sourceSessionIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return new(section, field, PersonaEditOperation.Set, value, reason, sourceSessionIds ?? []);
    }

    /// <summary>Creates an edit that removes a field.</summary>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <param name="reason">Why the change is made.</param>
    /// <param name="sourceSessionIds">The sessions that support the change.</param>
    /// <returns>The edit.</returns>
    /// <exception cref="ArgumentException"><paramref name="section"/> or <paramref name="field"/> is null, empty or white
    /// space.</exception>
    public static PersonaEdit Remove(string section, string field, string? reason = null, params IReadOnlyList<string> sourceSessionIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        return new(section, field, PersonaEditOperation.Remove, null, reason, sourceSessionIds ?? []);
    }
}
