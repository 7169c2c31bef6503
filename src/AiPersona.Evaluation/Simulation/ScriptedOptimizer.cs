using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>SIMULATION of the persona optimizer: keeps what users said in their follow-ups (where they reveal their
/// traits), appended to one preferences field, newest last, within the value length limit.</summary>
internal sealed partial class ScriptedOptimizer : ScriptedModel
{
    private const int MaxValue = 280;

    protected override ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options)
    {
        var prompt = messages[^1].Text;
        var learned = new List<string>();
        var labels = new List<string>();
        foreach (Match session in Session().Matches(prompt))
        {
            var userLines = session.Groups[2].Value.Split('\n').Where(l => l.StartsWith("user: ", StringComparison.Ordinal)).Select(l => l[6..].Replace("As I said: ", string.Empty, StringComparison.Ordinal).Trim()).ToList();
            var revealed = userLines.Skip(1).Distinct().ToList();
            if (revealed.Count > 0)
            {
                learned.AddRange(revealed);
                labels.Add(session.Groups[1].Value);
            }
        }

        if (learned.Count == 0)
        {
            return new ChatMessage(ChatRole.Assistant, """{"edits": []}""");
        }

        var current = Current().Match(prompt) is { Success: true } m ? m.Groups[1].Value.Split("; ", StringSplitOptions.RemoveEmptyEntries).ToList() : [];
        var parts = current.Concat(learned).Distinct().ToList();
        while (string.Join("; ", parts).Length > MaxValue && parts.Count > 1)
        {
            parts.RemoveAt(0);
        }

        var value = string.Join("; ", parts);
        value = UnicodeText.Truncate(value, MaxValue);
        var json = "{\"edits\": [{\"section\": \"preferences\", \"field\": \"workflows\", \"action\": \"set\", \"value\": "
            + JsonSerializer.Serialize(value, EvaluationJsonContext.Default.String)
            + ", \"reason\": \"The user stated it.\", \"sessions\": ["
            + string.Join(", ", labels.Select(l => JsonSerializer.Serialize(l, EvaluationJsonContext.Default.String))) + "]}]}";
        return new ChatMessage(ChatRole.Assistant, json);
    }

    [GeneratedRegex(@"### (S\d+)[^\n]*\n(.*?)(?=\n### |\z)", RegexOptions.Singleline)]
    private static partial Regex Session();

    [GeneratedRegex("^- preferences\\.workflows: \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex Current();
}
