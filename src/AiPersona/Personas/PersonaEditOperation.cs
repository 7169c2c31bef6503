namespace AiPersona;

/// <summary>What a <see cref="PersonaEdit"/> does to its field.</summary>
public enum PersonaEditOperation
{
    /// <summary>Sets the field to a new value, adding it when absent.</summary>
    Set = 0,

    /// <summary>Removes the field.</summary>
    Remove = 1,
}
