namespace AiPersona;

/// <summary>What a copy by <see cref="AiPersonaStorageCopy"/> did.</summary>
/// <param name="PersonasCopied">Personas written to the target, each with its version and whole revision history.</param>
/// <param name="PersonasAlreadyPresent">Personas the target already held exactly as the source does (a copy run again).</param>
/// <param name="SessionsCopied">Sessions written to the target, with their messages and state.</param>
/// <param name="SessionsAlreadyPresent">Sessions the target already held (their state brought up to the source's).</param>
/// <param name="Conflicts">Users whose persona or sessions the target held differently; nothing of theirs was written.</param>
public sealed record StorageCopyResult(
    int PersonasCopied,
    int PersonasAlreadyPresent,
    int SessionsCopied,
    int SessionsAlreadyPresent,
    IReadOnlyList<StorageCopyConflict> Conflicts)
{
    /// <summary>Gets a value indicating whether everything in the source is now in the target.</summary>
    public bool IsComplete => Conflicts.Count == 0;
}
