using Microsoft.Extensions.AI;

namespace AiPersona.CrashWorkload;

/// <summary>What the crash workload's users say, and what its optimizer learns: shared with the test that checks the
/// stored result (linked into the test project).</summary>
internal static class WorkloadScript
{
    /// <summary>How many sessions one persona update learns from.</summary>
    public const int SessionsPerUpdate = 3;

    /// <summary>The section of the one field the workload's optimizer writes.</summary>
    public const string Section = "tally";

    /// <summary>Counts the sessions learned so far: a session learned twice, or lost, shows here.</summary>
    public const string Field = "sessions_learned";

    public static string UserId(int user) => $"crash-user-{user}";

    public static string ConversationId(int session) => $"conversation-{session}";

    public static string UserText(string userId, int session, int turn) => $"{userId} says message {turn} of session {session}.";

    public static string ReplyText(string userText) => $"Noted: {userText}";

    /// <summary>A turn's request: the session's earlier turns, as the client shows them, and the new one.</summary>
    public static List<ChatMessage> Conversation(string userId, int session, int turn)
    {
        var messages = new List<ChatMessage>();
        for (var earlier = 1; earlier < turn; earlier++)
        {
            var text = UserText(userId, session, earlier);
            messages.Add(new ChatMessage(ChatRole.User, text));
            messages.Add(new ChatMessage(ChatRole.Assistant, ReplyText(text)));
        }

        messages.Add(new ChatMessage(ChatRole.User, UserText(userId, session, turn)));
        return messages;
    }

    public static PersonaSchema CreateSchema()
    {
        var schema = new PersonaSchema();
        schema.Sections.Add(new PersonaSectionDefinition(Section, "Bookkeeping of the crash workload.", new PersonaFieldDefinition(Field, "How many sessions were learned.")));
        return schema;
    }
}
