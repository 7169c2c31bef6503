namespace AiPersona;

/// <summary>Where a conversation session is in its life.</summary>
public enum SessionState
{
    /// <summary>The session is still receiving messages.</summary>
    Open = 0,

    /// <summary>The session ended and waits to be learned from.</summary>
    Completed = 1,

    /// <summary>The persona optimizer learned from the session and the updated persona was saved.</summary>
    Learned = 2,
}
