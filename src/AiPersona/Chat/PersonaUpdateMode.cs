namespace AiPersona;

/// <summary>When the persona update that k completed sessions trigger runs.</summary>
public enum PersonaUpdateMode
{
    /// <summary>In the background: the chat call returns without waiting; at most one update per user runs at a time.</summary>
    Background = 0,

    /// <summary>Inline: the chat call awaits the update before it returns. For tests and batch jobs.</summary>
    Inline = 1,
}
