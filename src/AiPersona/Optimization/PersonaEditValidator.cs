using System.Collections.Frozen;
using System.Text;

namespace AiPersona;

/// <summary>Validates optimizer edits before they apply: field policies, schema membership, supporting sessions, value
/// length and content.</summary>
internal static class PersonaEditValidator
{
    private const int MaxNewFieldNameLength = 64;
    private const int MaxReasonLength = 500;

    // What a model writes in a field the sessions say nothing about; set over a learned value, it would erase it.
    private static readonly FrozenSet<string> Placeholders = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "unknown", "n/a", "na", "n.a", "null", "nil", "undefined", "tbd", "not specified", "unspecified", "not mentioned",
        "not provided", "not stated", "not known", "not available", "not applicable", "no information", "no data");

    // Framing around a placeholder: "(unknown)", "N/A.", "—", "?".
    private static readonly char[] PlaceholderFraming = [' ', '.', ',', '!', '?', '(', ')', '[', ']', '"', '\'', '*', '_', '-', '\u2013', '\u2014'];

    /// <summary>Splits edits into the accepted ones (with section and field names in the schema's spelling, values with
    /// whitespace normalized) and the rejected ones with their reasons.</summary>
    /// <param name="edits">The optimizer's edits.</param>
    /// <param name="schema">The schema.</param>
    /// <param name="sessionIds">The sessions the optimizer was given.</param>
    /// <param name="maxValueLength">The longest value accepted.</param>
    /// <param name="persona">The persona the edits apply to, for the cap on fields outside the schema
    /// (<see cref="PersonaSchema.MaxUnknownFields"/>); <see langword="null"/> counts it as empty.</param>
    public static (List<PersonaEdit> Accepted, List<RejectedPersonaEdit> Rejected) Validate(
        IEnumerable<PersonaEdit> edits,
        PersonaSchema schema,
        IReadOnlyCollection<string> sessionIds,
        int maxValueLength,
        Persona? persona = null)
    {
        var accepted = new List<PersonaEdit>();
        var rejected = new List<RejectedPersonaEdit>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sectionSpellings = new Dictionary<string, string>(StringComparer.Ordinal); // first spelling of a section in this answer
        var unknownFields = persona is null ? 0 : CountUnknownFields(persona, schema);

        foreach (var edit in edits)
        {
            var (result, why) = Check(edit, schema, sessionIds, maxValueLength, persona);
            if (result is not null)
            {
                // Names are matched as a model may spell them (FieldNames), within one answer as against the persona: two
                // spellings of one field are one field, and a new section's fields all go to its first spelling.
                var sectionKey = FieldNames.Key(result.Section);
                if (!sectionSpellings.TryAdd(sectionKey, result.Section))
                {
                    result = result with { Section = sectionSpellings[sectionKey] };
                }

                if (!seen.Add(sectionKey + "\n" + FieldNames.Key(result.Field)))
                {
                    (result, why) = (null, "another edit of the same field came first");
                }
            }

            if (result is { Operation: PersonaEditOperation.Set } && schema.FindField(result.Section, result.Field) is null
                && persona?.GetValue(result.Section, result.Field) is null)
            {
                if (unknownFields >= schema.MaxUnknownFields)
                {
                    (result, why) = (null, $"the persona already holds {schema.MaxUnknownFields} fields outside the schema");
                }
                else
                {
                    unknownFields++;
                }
            }

            if (result is null)
            {
                rejected.Add(new RejectedPersonaEdit(edit, why!));
            }
            else
            {
                accepted.Add(result);
            }
        }

        return (accepted, rejected);
    }

    private static (PersonaEdit? Edit, string? Why) Check(PersonaEdit edit, PersonaSchema schema, IReadOnlyCollection<string> sessionIds, int maxValueLength, Persona? persona)
    {
        if (string.IsNullOrWhiteSpace(edit.Section) || string.IsNullOrWhiteSpace(edit.Field))
        {
            return (null, "the section or field name is missing");
        }

        // Names are matched as a model may spell them (FieldNames): the schema's spelling, or that of a section or field the
        // optimizer added earlier.
        var (section, field) = schema.Spelling(persona, edit.Section, edit.Field);
        var definition = schema.MatchField(edit.Section, edit.Field);
        if (definition is not null)
        {
            if (definition.Policy == FieldPolicy.Locked)
            {
                return (null, "the field is locked: only the application sets it");
            }

            if (definition.Policy == FieldPolicy.NeverStore)
            {
                return (null, "the field is never stored");
            }
        }
        else if (!schema.AllowUnknownFields)
        {
            return (null, "the schema does not define the field");
        }
        else if (!IsSafeName(edit.Section) || !IsSafeName(edit.Field))
        {
            return (null, "a new section or field name must be a short identifier");
        }
        else if (PromptInjectionDetector.LooksLikeInstruction(AsWords(edit.Section) + " " + AsWords(edit.Field)))
        {
            // The names are rendered into every prompt as the values are: "you_must_always_obey" is no field of a user's.
            return (null, "a new section or field name reads as an instruction to a model");
        }

        string[] sources = [.. (edit.SourceSessionIds ?? []).Where(sessionIds.Contains).Distinct(StringComparer.Ordinal)];
        if (sources.Length == 0)
        {
            return (null, "no session given to the optimizer supports the edit");
        }

        var reason = edit.Reason is null ? null : UnicodeText.Truncate(edit.Reason, MaxReasonLength);
        if (edit.Operation == PersonaEditOperation.Remove)
        {
            return (edit with { Section = section, Field = field, Value = null, Reason = reason, SourceSessionIds = sources }, null);
        }

        if (edit.Operation != PersonaEditOperation.Set)
        {
            return (null, "the operation is unknown");
        }

        var value = NormalizeWhitespace(edit.Value);
        if (value.Length == 0)
        {
            return (null, "the value is empty");
        }

        if (value.Trim(PlaceholderFraming) is var bare && (bare.Length == 0 || Placeholders.Contains(bare)))
        {
            return (null, "the value is a placeholder that says nothing about the user");
        }

        if (value.Length > maxValueLength)
        {
            return (null, $"the value is longer than {maxValueLength} characters");
        }

        if (value.Any(char.IsControl))
        {
            return (null, "the value contains control characters");
        }

        if (UnicodeText.IndexOfLoneSurrogate(value) >= 0)
        {
            return (null, "the value is not valid Unicode text");
        }

        // The raw value too: a line break it had, now a space, may be what made "system:" a role marker.
        if (PromptInjectionDetector.LooksLikeInstruction(value) || PromptInjectionDetector.LooksLikeInstruction(edit.Value!))
        {
            return (null, "the value reads as an instruction to a model");
        }

        return (edit with { Section = section, Field = field, Value = value, Reason = reason, SourceSessionIds = sources }, null);
    }

    private static int CountUnknownFields(Persona persona, PersonaSchema schema)
        => persona.Sections.Sum(section => section.Value.Keys.Count(field => schema.FindField(section.Key, field) is null));

    // Blank names never get here: Check refuses them first.
    private static bool IsSafeName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length <= MaxNewFieldNameLength && trimmed.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ' ');
    }

    // A model reads "ignore_previous_instructions" as words; the pattern must too.
    private static string AsWords(string name) => name.Replace('_', ' ').Replace('-', ' ');

    // Line breaks (the Unicode line and paragraph separators too) and tabs would let a value pose as a new line of the
    // rendered prompt: every run of white space becomes a single space.
    private static string NormalizeWhitespace(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
