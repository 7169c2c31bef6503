using System.Collections.Concurrent;

namespace AiPersona;

/// <summary>Conversations whose history the model's service keeps itself: a response handed back a conversation id
/// (<see cref="Microsoft.Extensions.AI.ChatResponse.ConversationId"/>) under which the next request continues it. The
/// persona that the conversation's first request carried is then already in that history, so follow-up requests do not
/// add it again: one per service provider, shared by its personalized clients (a pipeline built per request or per scope
/// still knows the conversation). The session manager keeps its own, as such a client sends only its new messages. Held
/// in memory: after a restart, or on another instance, the next request adds the persona once more.</summary>
internal sealed class ServiceHeldConversations
{
    internal const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(string UserId, string ConversationId), byte> _conversations = new();

    /// <summary>Whether a request of this user continues a conversation the service keeps.</summary>
    public bool Contains(string userId, string? conversationId)
        => conversationId is not null && _conversations.ContainsKey((userId, conversationId));

    /// <summary>Notes the id a response handed back; the id the request used is forgotten when the service moved on to a
    /// new one (it hands back a new id per response when it chains responses).</summary>
    public void Continue(string userId, string? requestConversationId, string? responseConversationId)
    {
        if (responseConversationId is null)
        {
            return;
        }

        if (requestConversationId is not null && !string.Equals(requestConversationId, responseConversationId, StringComparison.Ordinal))
        {
            _conversations.TryRemove((userId, requestConversationId), out _);
        }

        if (_conversations.Count >= MaxEntries)
        {
            _conversations.Clear();
        }

        _conversations[(userId, responseConversationId)] = 0;
    }
}
