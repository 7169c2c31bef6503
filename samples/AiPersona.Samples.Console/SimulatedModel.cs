using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AiPersona.Samples.Console;

/// <summary>
/// SIMULATION: a deterministic stand-in for a language model, so the sample runs offline with no API key. It is not a
/// model: chat replies are canned, and "persona optimizer" answers come from a few regular expressions over the user's
/// messages. It exists to show the pipeline (recording, k-session updates, validation, injection), not quality.
/// </summary>
internal sealed partial class SimulatedModel : IChatClient
{
    public const string Label = "[SIMULATED MODEL]";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var text = options?.ResponseFormat is ChatResponseFormatJson ? Optimize(list[^1].Text) : Reply(list);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = "simulated" });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    // A canned answer that shows which persona fields reached the "model".
    private static string Reply(List<ChatMessage> messages)
    {
        var persona = messages.FirstOrDefault(m => m.Role == ChatRole.System && m.Text.Contains("<user_persona>", StringComparison.Ordinal))?.Text;
        var fields = persona is null ? [] : PersonaLine().Matches(persona).Select(m => m.Groups[1].Value).ToList();
        var question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var topic = question.Length > 60 ? question[..60] + "…" : question;
        return fields.Count == 0
            ? $"{Label} Here is a general answer about \"{topic}\"."
            : $"{Label} Here is an answer about \"{topic}\", tailored using {string.Join(", ", fields)}.";
    }

    // The "optimizer": a handful of patterns over the user's lines, merged with what the persona already holds.
    private static string Optimize(string prompt)
    {
        var edits = new List<Edit>();
        foreach (var session in SessionBlock().Matches(prompt).Cast<Match>())
        {
            var label = session.Groups[1].Value;
            foreach (var line in session.Groups[2].Value.Split('\n').Where(l => l.StartsWith("user: ", StringComparison.Ordinal)))
            {
                Learn(line[6..], label, edits);
            }
        }

        var merged = edits
            .GroupBy(e => (e.Section, e.Field))
            .Select(g => new Edit(g.Key.Section, g.Key.Field, Merge(prompt, g.Key, g.Select(e => e.Value)), g.First().Reason, g.SelectMany(e => e.Sessions).Distinct().ToList()))
            .ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("edits");
            foreach (var edit in merged)
            {
                json.WriteStartObject();
                json.WriteString("section", edit.Section);
                json.WriteString("field", edit.Field);
                json.WriteString("action", "set");
                json.WriteString("value", edit.Value);
                json.WriteString("reason", edit.Reason);
                json.WriteStartArray("sessions");
                edit.Sessions.ForEach(json.WriteStringValue);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Learn(string text, string session, List<Edit> edits)
    {
        void Add(string section, string field, string value, string reason) => edits.Add(new Edit(section, field, value, reason, [session]));

        if (Name().Match(text) is { Success: true } name)
        {
            Add("demographics", "name", name.Groups[1].Value, "The user introduced themselves.");
        }

        if (Career().Match(text) is { Success: true } career)
        {
            Add("demographics", "career", Capitalize(career.Groups[1].Value.Trim()), "The user described their work.");
        }

        if (City().Match(text) is { Success: true } city)
        {
            Add("demographics", "location", city.Groups[1].Value, "The user said where they live.");
        }

        if (Likes().Match(text) is { Success: true } likes)
        {
            Add("personality", "values_and_interests", Capitalize(likes.Groups[2].Value.Trim()), "The user said what they enjoy.");
        }

        if (Short().IsMatch(text))
        {
            Add("preferences", "formats", "Prefers short, concise answers", "The user asked for brevity.");
        }

        if (Bullets().IsMatch(text))
        {
            Add("preferences", "formats", "Prefers bullet points", "The user asked for bullet points.");
        }

        if (Budget().Match(text) is { Success: true } budget)
        {
            Add("patterns", "purchase", $"Budget-conscious, usually under {budget.Groups[1].Value} euros", "The user stated a budget.");
        }

        if (Injection().IsMatch(text))
        {
            // Simulates a model that was talked into copying an instruction into the persona: validation must reject it.
            Add("preferences", "styles", text, "The user asked for it.");
        }
    }

    // Values accumulate: new details are appended to what the current persona already says.
    private static string Merge(string prompt, (string Section, string Field) key, IEnumerable<string> values)
    {
        var current = Regex.Match(prompt, $"- {key.Section}\\.{key.Field}: \"([^\"]*)\"");
        var parts = (current.Success ? current.Groups[1].Value.Split("; ") : []).Concat(values).Distinct(StringComparer.OrdinalIgnoreCase);
        return key.Field is "name" or "career" or "location" ? values.Last() : string.Join("; ", parts);
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"(?:my name is|call me|I'm called)\s+(\p{Lu}\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex Name();

    [GeneratedRegex(@"I work as (?:an? )?([\w\s-]+?)(?:[.,!]|$| at | in )", RegexOptions.IgnoreCase)]
    private static partial Regex Career();

    [GeneratedRegex(@"I live in (\p{Lu}\w+)")]
    private static partial Regex City();

    [GeneratedRegex(@"I (love|enjoy|like) ([\w\s-]+?)(?:[.,!]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex Likes();

    [GeneratedRegex(@"\b(keep it short|short answers|be brief|too long)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Short();

    [GeneratedRegex(@"\bbullet points?\b", RegexOptions.IgnoreCase)]
    private static partial Regex Bullets();

    [GeneratedRegex(@"under (\d+) euros", RegexOptions.IgnoreCase)]
    private static partial Regex Budget();

    [GeneratedRegex(@"ignore (all )?previous instructions", RegexOptions.IgnoreCase)]
    private static partial Regex Injection();

    [GeneratedRegex(@"### (S\d+)[^\n]*\n(.*?)(?=\n### |\z)", RegexOptions.Singleline)]
    private static partial Regex SessionBlock();

    [GeneratedRegex(@"^([\w]+\.[\w]+): ", RegexOptions.Multiline)]
    private static partial Regex PersonaLine();

    private sealed record Edit(string Section, string Field, string Value, string Reason, List<string> Sessions);
}
