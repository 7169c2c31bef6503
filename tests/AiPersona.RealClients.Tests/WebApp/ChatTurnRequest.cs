namespace AiPersona.RealClients.Tests.WebApp;

/// <summary>What the web app's browser side posts for one chat turn: the conversation so far, as a single-page app that
/// keeps it resends it.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Messages">Every message of the conversation, oldest first, ending with the user's new one.</param>
public sealed record ChatTurnRequest(string ConversationId, IReadOnlyList<ChatTurnMessage> Messages);
