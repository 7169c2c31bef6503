namespace AiPersona;

/// <summary>Describes one field of a persona section.</summary>
/// <remarks>The class has settable properties so that a schema can be bound from configuration.</remarks>
public sealed class PersonaFieldDefinition
{
    /// <summary>Initializes a new instance of the <see cref="PersonaFieldDefinition"/> class for configuration binding.</summary>
    public PersonaFieldDefinition()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaFieldDefinition"/> class.</summary>
    /// <param name="name">The field name, unique within its section.</param>
    /// <param name="description">What the field holds; the optimizer reads it.</param>
    /// <param name="policy">Who may set the field.</param>
    /// <param name="importance">How important the field is when the rendered persona must be shortened.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public PersonaFieldDefinition(string name, string description, FieldPolicy policy = FieldPolicy.Learnable, int importance = 50)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Description = description;
        Policy = policy;
        Importance = importance;
    }

    /// <summary>Gets or sets the field name, unique within its section (compared case-insensitively).</summary>
    /// <value>Required; no default.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets what the field holds. The optimizer reads it to decide what belongs here.</summary>
    /// <value>Defaults to an empty string.</value>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets or sets who may set the field.</summary>
    /// <value>Defaults to <see cref="FieldPolicy.Learnable"/>.</value>
    public FieldPolicy Policy { get; set; } = FieldPolicy.Learnable;

    /// <summary>Gets or sets how important the field is (0–100). When a rendered persona exceeds its budget,
    /// the least important fields are dropped first: a field is kept when it fits beside the more important fields kept.
    /// </summary>
    /// <value>Defaults to 50. Valid range: 0 to 100.</value>
    public int Importance { get; set; } = 50;
}
