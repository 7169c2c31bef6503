namespace AiPersona;

/// <summary>Describes one section of a persona, such as "Demographics".</summary>
public sealed class PersonaSectionDefinition
{
    /// <summary>Initializes a new instance of the <see cref="PersonaSectionDefinition"/> class for configuration binding.</summary>
    public PersonaSectionDefinition()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaSectionDefinition"/> class.</summary>
    /// <param name="name">The section name, unique within the schema.</param>
    /// <param name="description">What the section is about.</param>
    /// <param name="fields">The fields of the section.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public PersonaSectionDefinition(string name, string description, params IEnumerable<PersonaFieldDefinition> fields)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(fields);
        Name = name;
        Description = description;
        Fields = [.. fields];
    }

    /// <summary>Gets or sets the section name, unique within the schema (compared case-insensitively).</summary>
    /// <value>Required; no default.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets what the section is about.</summary>
    /// <value>Defaults to an empty string.</value>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets the fields of the section.</summary>
    /// <value>Defaults to an empty list.</value>
    public IList<PersonaFieldDefinition> Fields { get; } = [];

    /// <summary>Finds a field by name (case-insensitive).</summary>
    /// <param name="name">The field name.</param>
    /// <returns>The field, or <see langword="null"/> when the section has no such field.</returns>
    public PersonaFieldDefinition? FindField(string name)
    {
        foreach (var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }

        return null;
    }
}
