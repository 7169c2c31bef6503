namespace AiPersona;

/// <summary>The result of one persona update attempt.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Persona">The persona after the attempt (unchanged unless <see cref="PersonaUpdateStatus.Applied"/>);
/// <see langword="null"/> when the persona was not read.</param>
/// <param name="Revisions">The saved revisions.</param>
/// <param name="RejectedEdits">The edits validation refused.</param>
/// <param name="LearnedSessionIds">The sessions marked learned.</param>
/// <param name="Error">Why the attempt failed; <see langword="null"/> otherwise.</param>
public sealed record PersonaUpdateResult(
    PersonaUpdateStatus Status,
    Persona? Persona,
    IReadOnlyList<PersonaRevision> Revisions,
    IReadOnlyList<RejectedPersonaEdit> RejectedEdits,
    IReadOnlyList<string> LearnedSessionIds,
    string? Error = null)
{
    internal static PersonaUpdateResult NotEnough() => new(PersonaUpdateStatus.NotEnoughSessions, null, [], [], []);

    internal static PersonaUpdateResult Busy() => new(PersonaUpdateStatus.Busy, null, [], [], []);

    internal static PersonaUpdateResult Fail(Persona? persona, string error, IReadOnlyList<RejectedPersonaEdit>? rejected = null)
        => new(PersonaUpdateStatus.Failed, persona, [], rejected ?? [], [], error);
}
