using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>SIMULATION of the assistant: calls the scene's first API once, then answers with a canned text that echoes
/// whatever personal context reached it (persona block, retrieved conversations) and the user's latest follow-up.</summary>
internal sealed partial class ScriptedAssistant : ScriptedModel
{
    protected override ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options)
    {
        var lastUser = messages.FindLastIndex(m => m.Role == ChatRole.User);
        var toolResult = messages.Skip(lastUser + 1).SelectMany(m => m.Contents).OfType<FunctionResultContent>().FirstOrDefault();
        var tool = options?.Tools?.OfType<AIFunctionDeclaration>().FirstOrDefault();
        if (toolResult is null && tool is not null)
        {
            var required = tool.JsonSchema.TryGetProperty("required", out var r) && r.GetArrayLength() > 0 ? r[0].GetString() : null;
            var arguments = required is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { [required] = "as requested" };
            return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-" + tool.Name, tool.Name, arguments)]);
        }

        var text = new StringBuilder(Label).Append(' ');
        text.Append(tool is null ? "Here is my suggestion." : $"I used {tool.Name} and found options for you.");
        var persona = messages.FirstOrDefault(m => m.Role == ChatRole.System && m.Text.Contains("<user_persona>", StringComparison.Ordinal))?.Text;
        if (persona is not null)
        {
            text.Append(" Tailored to you: ").Append(Clip(string.Join("; ", PersonaValue().Matches(persona).Select(m => m.Groups[1].Value)), 600)).Append('.');
        }

        var retrieved = messages.FirstOrDefault(m => m.Role == ChatRole.System && m.Text.StartsWith("Relevant past conversations", StringComparison.Ordinal))?.Text;
        if (retrieved is not null)
        {
            text.Append(" From our past conversations: ").Append(Clip(string.Join(" ", retrieved.Split('\n').Where(l => l.StartsWith("user: ", StringComparison.Ordinal)).Select(l => l[6..])), 600));
        }

        if (messages.Count(m => m.Role == ChatRole.User) > 1)
        {
            text.Append(" You said: ").Append(messages[lastUser].Text);
        }

        return new ChatMessage(ChatRole.Assistant, text.ToString());
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : UnicodeText.Truncate(text, max) + "…";

    [GeneratedRegex("^[\\w]+\\.[\\w]+: \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex PersonaValue();
}
