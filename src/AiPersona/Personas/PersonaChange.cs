namespace AiPersona;

/// <summary>A change of a persona ready to be saved: the version it was based on, the result and the revisions.</summary>
/// <param name="BaseVersion">The version that was read and edited; the store refuses the change if it moved on.</param>
/// <param name="Updated">The persona after the change, at <paramref name="BaseVersion"/> + 1.</param>
/// <param name="Revisions">One revision per changed field.</param>
public sealed record PersonaChange(long BaseVersion, Persona Updated, IReadOnlyList<PersonaRevision> Revisions)
{
    /// <summary>Gets a value indicating whether the change alters no field.</summary>
    public bool IsEmpty => Revisions.Count == 0;
}
