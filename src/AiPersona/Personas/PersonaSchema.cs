namespace AiPersona;

/// <summary>Describes the sections and fields of a persona and the policy of each field.</summary>
/// <remarks>
/// The schema is read by the optimizer (field descriptions), enforced by the edit validator (field policies) and used by
/// the renderer (importance). It has settable properties so it can be bound from configuration; treat it as immutable
/// once the application has started.
/// </remarks>
public sealed class PersonaSchema
{
    /// <summary>Gets the sections of the persona.</summary>
    /// <value>Defaults to an empty list; <see cref="CreateDefault"/> gives the paper's four sections.</value>
    public IList<PersonaSectionDefinition> Sections { get; } = [];

    /// <summary>Gets or sets a value indicating whether the optimizer may add fields the schema does not define.</summary>
    /// <value>Defaults to <see langword="false"/>: edits to unknown fields are dropped.</value>
    public bool AllowUnknownFields { get; set; }

    /// <summary>Gets or sets how many fields outside the schema one persona may hold when <see cref="AllowUnknownFields"/>
    /// is on. Every update sends the whole persona to the optimizer, so without a cap a persona learned over months could
    /// keep growing; at the cap the optimizer may still change or remove the fields it added, but not add more.</summary>
    /// <value>Defaults to 20. Must be between 0 and 1,000.</value>
    public int MaxUnknownFields { get; set; } = 20;

    /// <summary>Creates the schema of the AI PERSONA paper: Demographics, Personality, Patterns and Preferences.</summary>
    /// <returns>A new schema instance that the caller may change.</returns>
    public static PersonaSchema CreateDefault()
    {
        var schema = new PersonaSchema();
        schema.Sections.Add(new PersonaSectionDefinition(
            "demographics",
            "Basic facts about the user.",
            new PersonaFieldDefinition("name", "The name the user wants to be called.", importance: 90),
            new PersonaFieldDefinition("age", "Age or age range.", importance: 50),
            new PersonaFieldDefinition("gender", "Gender, only if the user stated it.", importance: 30),
            new PersonaFieldDefinition("nationality", "Nationality or country of residence.", importance: 40),
            new PersonaFieldDefinition("languages", "Languages the user speaks or prefers to be answered in.", importance: 85),
            new PersonaFieldDefinition("career", "Occupation, field, seniority and work context.", importance: 70)));
        schema.Sections.Add(new PersonaSectionDefinition(
            "personality",
            "Personality traits on the MBTI axes, values and interests.",
            new PersonaFieldDefinition("extraversion_introversion", "Where the user draws energy from: people and action, or reflection.", importance: 35),
            new PersonaFieldDefinition("sensing_intuition", "Whether the user focuses on concrete facts or on patterns and possibilities.", importance: 35),
            new PersonaFieldDefinition("thinking_feeling", "Whether decisions lean on logic or on values and people.", importance: 35),
            new PersonaFieldDefinition("judging_perceiving", "Whether the user prefers plans and closure or flexibility.", importance: 35),
            new PersonaFieldDefinition("values_and_interests", "What the user cares about and enjoys.", importance: 75)));
        schema.Sections.Add(new PersonaSectionDefinition(
            "patterns",
            "Recurring behaviour.",
            new PersonaFieldDefinition("behavior_engagement", "How the user engages with the assistant (depth, follow-ups, pace).", importance: 45),
            new PersonaFieldDefinition("usage", "What the user uses the assistant for, and when.", importance: 55),
            new PersonaFieldDefinition("emotional", "Recurring emotional tone or triggers relevant to helping the user.", importance: 40),
            new PersonaFieldDefinition("purchase", "Buying habits: budget, brands, channels.", importance: 50)));
        schema.Sections.Add(new PersonaSectionDefinition(
            "preferences",
            "How the user wants to be helped.",
            new PersonaFieldDefinition("styles", "Preferred tone and communication style.", importance: 95),
            new PersonaFieldDefinition("formats", "Preferred answer formats and length.", importance: 95),
            new PersonaFieldDefinition("workflows", "Preferred tools, steps and ways of working.", importance: 80)));
        return schema;
    }

    /// <summary>Finds a section by name (case-insensitive).</summary>
    /// <param name="name">The section name.</param>
    /// <returns>The section, or <see langword="null"/> when the schema has no such section.</returns>
    public PersonaSectionDefinition? FindSection(string name)
    {
        foreach (var section in Sections)
        {
            if (string.Equals(section.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>Finds a field definition (case-insensitive).</summary>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <returns>The field, or <see langword="null"/> when the schema does not define it.</returns>
    public PersonaFieldDefinition? FindField(string section, string field) => FindSection(section)?.FindField(field);

    /// <summary>Finds a section as <see cref="FindSection"/> does, or else by a spelling that differs only in case, in
    /// runs of spaces, hyphens and underscores, and in Unicode form, as a model may write it.</summary>
    internal PersonaSectionDefinition? MatchSection(string name)
        => FindSection(name) ?? Sections.FirstOrDefault(s => FieldNames.Same(s.Name, name));

    /// <summary>Finds a field as <see cref="FindField"/> does, or else by a spelling that differs only in case, in runs
    /// of spaces, hyphens and underscores, and in Unicode form: a spelling variant of a never-store field is that field
    /// wherever its policy is decided.</summary>
    internal PersonaFieldDefinition? MatchField(string section, string field)
        => MatchSection(section) is { } definition ? definition.FindField(field) ?? definition.Fields.FirstOrDefault(f => FieldNames.Same(f.Name, field)) : null;

    /// <summary>The names a field is kept under, matched as <see cref="MatchField"/> matches them: the schema's spelling of a
    /// field it defines; else the persona's spelling of the field, or of its section, when it holds one outside the schema;
    /// else the names as given, trimmed.</summary>
    internal (string Section, string Field) Spelling(Persona? persona, string section, string field)
    {
        var sectionDefinition = MatchSection(section);
        if (MatchField(section, field) is { } definition)
        {
            return (sectionDefinition!.Name, definition.Name);
        }

        var sections = persona?.Sections ?? new Dictionary<string, IReadOnlyDictionary<string, PersonaValue>>();
        foreach (var (sectionName, fields) in sections)
        {
            if (FieldNames.Same(sectionName, section) && fields.Keys.FirstOrDefault(f => FieldNames.Same(f, field)) is { } fieldName)
            {
                return (sectionName, fieldName);
            }
        }

        return (sectionDefinition?.Name ?? sections.Keys.FirstOrDefault(s => FieldNames.Same(s, section)) ?? section.Trim(), field.Trim());
    }
}
