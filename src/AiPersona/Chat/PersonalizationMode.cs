namespace AiPersona;

/// <summary>How one chat request is personalized.</summary>
public enum PersonalizationMode
{
    /// <summary>The persona is added to the request, and the turn is recorded and learned from.</summary>
    Enabled = 0,

    /// <summary>The persona is not added, but the turn is still recorded and learned from.</summary>
    Disabled = 1,

    /// <summary>A private conversation: not personalized, not recorded, not learned from.</summary>
    Private = 2,
}
