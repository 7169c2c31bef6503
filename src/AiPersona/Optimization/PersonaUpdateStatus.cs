namespace AiPersona;

/// <summary>The outcome of one persona update attempt.</summary>
public enum PersonaUpdateStatus
{
    /// <summary>Fewer than k completed sessions are pending; nothing ran.</summary>
    NotEnoughSessions = 0,

    /// <summary>The persona was changed and saved; the sessions are marked learned.</summary>
    Applied = 1,

    /// <summary>The optimizer ran but no valid edit changed anything; the sessions are marked learned.</summary>
    NoChanges = 2,

    /// <summary>The optimizer failed or the persona could not be saved; nothing changed and the sessions stay pending.</summary>
    Failed = 3,

    /// <summary>Another worker (in this process or another instance) is updating the user; nothing ran here.</summary>
    Busy = 4,
}
