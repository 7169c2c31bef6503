namespace AiPersona;

/// <summary>A user whose data <see cref="AiPersonaStorageCopy"/> left alone, because the target store already held
/// something else for them.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Reason">What differs, in words (no persona values or messages).</param>
public sealed record StorageCopyConflict(string UserId, string Reason);
