using System.Globalization;

namespace AiPersona.Samples.Console;

/// <summary>Prints personas, revision diffs and provenance to the console.</summary>
internal static class PersonaPrinter
{
    public static void Persona(Persona persona, PersonaSchema schema, string title)
    {
        System.Console.WriteLine();
        System.Console.WriteLine($"── {title}: persona of '{persona.UserId}', version {persona.Version} ──");
        if (persona.IsEmpty)
        {
            System.Console.WriteLine("   (empty: nothing learned yet)");
            return;
        }

        foreach (var (section, field, value) in Ordered(persona, schema))
        {
            System.Console.WriteLine($"   {section}.{field} = \"{value.Value}\"");
        }
    }

    public static void Diff(IEnumerable<PersonaRevision> revisions, IReadOnlyList<ConversationSession> sessions)
    {
        var list = revisions.ToList();
        if (list.Count == 0)
        {
            System.Console.WriteLine("   (no change)");
            return;
        }

        foreach (var revision in list)
        {
            var change = revision switch
            {
                { OldValue: null } => $"+ {revision.Section}.{revision.Field} = \"{revision.NewValue}\"",
                { NewValue: null } => $"- {revision.Section}.{revision.Field} (was \"{revision.OldValue}\")",
                _ => $"~ {revision.Section}.{revision.Field}: \"{revision.OldValue}\" → \"{revision.NewValue}\"",
            };
            System.Console.WriteLine($"   v{revision.Version} {change}");
            System.Console.WriteLine($"        why: {revision.Reason} (from {Describe(revision.SourceSessionIds, sessions)})");
        }
    }

    public static void Why(Persona persona, string path, IReadOnlyList<ConversationSession> sessions)
    {
        var parts = path.Split('.', 2);
        var value = parts.Length == 2 ? persona.GetValue(parts[0], parts[1]) : null;
        if (value is null)
        {
            System.Console.WriteLine($"   No value for '{path}'. Use section.field, for example preferences.formats.");
            return;
        }

        System.Console.WriteLine($"   {path} = \"{value.Value}\"");
        System.Console.WriteLine($"   set {value.SetAt.ToString("u", CultureInfo.InvariantCulture)} because: {value.Reason ?? "(set by the application)"}");
        foreach (var session in sessions.Where(s => value.SourceSessionIds.Contains(s.Id)))
        {
            System.Console.WriteLine($"   evidence, session of {session.StartedAt.ToString("u", CultureInfo.InvariantCulture)}:");
            foreach (var message in session.Messages.Where(m => m.Role == "user"))
            {
                System.Console.WriteLine($"     user: {message.Text}");
            }
        }
    }

    private static string Describe(IReadOnlyList<string> sessionIds, IReadOnlyList<ConversationSession> sessions)
    {
        var numbers = sessionIds
            .Select(id => sessions.ToList().FindIndex(s => s.Id == id))
            .Where(i => i >= 0)
            .Select(i => "#" + (i + 1).ToString(CultureInfo.InvariantCulture));
        return "session " + string.Join(", ", numbers);
    }

    private static IEnumerable<(string Section, string Field, PersonaValue Value)> Ordered(Persona persona, PersonaSchema schema)
    {
        foreach (var section in schema.Sections)
        {
            foreach (var field in section.Fields)
            {
                if (persona.GetValue(section.Name, field.Name) is { } value)
                {
                    yield return (section.Name, field.Name, value);
                }
            }
        }
    }
}
