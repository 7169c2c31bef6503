using System.Text.Json.Nodes;

namespace AiPersona.RealClients.Tests;

/// <summary>Tells which PersonaBench role sent a chat request to the fake server, from the prompts the harness writes.</summary>
internal static class PersonaBenchRoles
{
    /// <summary>"user", "judge", "tool", "optimizer" or "assistant".</summary>
    public static string Of(JsonObject body)
    {
        var text = string.Join("\n", FakeLlmServer.MessagesOf(body).Select(m => m.Content));
        return text switch
        {
            _ when text.Contains("You are role-playing a user", StringComparison.Ordinal) => "user",
            _ when text.Contains("You evaluate an AI assistant", StringComparison.Ordinal) || text.Contains("You compare a persona", StringComparison.Ordinal) => "judge",
            _ when text.Contains("You simulate an API", StringComparison.Ordinal) => "tool",
            _ when FakeLlmServer.IsStructuredOutputRequest(body) => "optimizer",
            _ => "assistant",
        };
    }
}
