using Microsoft.Extensions.AI;

namespace AiPersona.Tests;

/// <summary>Builders for chat messages and sessions used across tests.</summary>
public static class TestData
{
    public static ChatMessage User(string text) => new(ChatRole.User, text);

    public static ChatMessage Assistant(string text) => new(ChatRole.Assistant, text);

    public static ConversationSession CompletedSession(string id, string userId, params string[] userTexts)
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new ConversationSession(
            id, userId, null, SessionState.Completed, at, at, at, null,
            [.. userTexts.Select(t => new SessionMessage("user", t, at))]);
    }
}
