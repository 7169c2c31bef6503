namespace AiPersona;

/// <summary>Says who may set a persona field.</summary>
public enum FieldPolicy
{
    /// <summary>The persona optimizer may learn and change the field from conversations.</summary>
    Learnable = 0,

    /// <summary>Only the application sets the field; the optimizer never changes it.</summary>
    Locked = 1,

    /// <summary>The field must never be stored (for example health data); every edit to it is rejected.</summary>
    NeverStore = 2,
}
