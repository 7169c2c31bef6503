namespace AiPersona;

/// <summary>Checks every store applies to a <see cref="PersonaChange"/> before saving it.</summary>
internal static class PersonaChanges
{
    public static void ThrowIfInvalid(PersonaChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(change.Updated, nameof(change));
        ArgumentNullException.ThrowIfNull(change.Revisions, nameof(change));
        // A change on an empty store may bring a persona of any version, with its history: a copy from another store.
        var copied = change.BaseVersion == 0 && change.Updated.Version > 0;
        if (change.Updated.Version != change.BaseVersion + 1 && !copied)
        {
            throw new ArgumentException(
                $"The change is based on version {change.BaseVersion} but produces version {change.Updated.Version}; create changes with Persona.ApplyEdits.",
                nameof(change));
        }
    }

    public static void ThrowIfInvalidField(string section, string field)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
    }

    /// <summary>Whether a revision changed the field (names compare ignoring case and as stored, as in
    /// <see cref="Persona"/>).</summary>
    public static bool IsRevisionOf(PersonaRevision revision, string section, string field)
        => string.Equals(revision.Section, UnicodeText.ToStorable(section), StringComparison.OrdinalIgnoreCase)
            && string.Equals(revision.Field, UnicodeText.ToStorable(field), StringComparison.OrdinalIgnoreCase);

    public static void ThrowIfConflict(PersonaChange change, long storedVersion)
    {
        if (storedVersion != change.BaseVersion)
        {
            throw new PersonaConcurrencyException(change.BaseVersion, storedVersion);
        }
    }
}
