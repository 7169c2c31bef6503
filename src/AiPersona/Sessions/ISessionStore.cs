namespace AiPersona;

/// <summary>The persistence behind the default <see cref="ISessionManager"/>: stores sessions and their state.
/// Implement it to keep sessions in another database; the session logic (deduplication, idle timeout, pending and
/// learned state) stays in the session manager.</summary>
/// <remarks>Implementations are thread-safe. Every method with a user id only touches that user's sessions.</remarks>
public interface ISessionStore
{
    /// <summary>Gets the user's latest session (the one with the greatest id), in any state, with its messages. A user
    /// has at most one open session, and it is always the latest.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The latest session, or <see langword="null"/> when the user has none.</returns>
    Task<ConversationSession?> GetLatestSessionAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Gets the user's latest session (the one with the greatest id) whose <see cref="ConversationSession.ConversationId"/>
    /// is <paramref name="conversationId"/>, in any state, with its messages. The session manager reads it when the user
    /// returns to a conversation they left for another one, so the history the client resends is not stored again, and
    /// (with <paramref name="beforeSessionId"/>) when a request of the open session holds the history of the conversation's
    /// session before it.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="conversationId">The conversation id, compared ordinally; <see langword="null"/> for the sessions of
    /// conversations without an id.</param>
    /// <param name="beforeSessionId">When given, only sessions whose id is less than this one (ordinally) count: the latest
    /// session of the conversation before that session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session, or <see langword="null"/> when the user has none of that conversation.</returns>
    Task<ConversationSession?> GetLatestSessionOfConversationAsync(string userId, string? conversationId, string? beforeSessionId = null, CancellationToken cancellationToken = default);

    /// <summary>Creates a new open session. Any other open session of the user is completed first (ended at the new
    /// session's start), in the same atomic step, so a user never has two open sessions.</summary>
    /// <param name="session">The session, in state <see cref="SessionState.Open"/>. The session manager creates ids that
    /// increase over time in ordinal order, so the latest session has the greatest id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is stored.</returns>
    Task CreateAsync(ConversationSession session, CancellationToken cancellationToken = default);

    /// <summary>Appends messages to an open session and moves its last activity time.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="messages">The new messages.</param>
    /// <param name="activityAt">The time of the activity.</param>
    /// <param name="conversationId">The conversation id the session continues under from now on (a service that keeps
    /// the conversation hands back a new id with each response), or <see langword="null"/> to keep the current one.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the messages are stored.</returns>
    Task AppendMessagesAsync(string userId, string sessionId, IReadOnlyList<SessionMessage> messages, DateTimeOffset activityAt, string? conversationId = null, CancellationToken cancellationToken = default);

    /// <summary>Moves an open session to <see cref="SessionState.Completed"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="endedAt">When the session ended.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the state is stored.</returns>
    Task CompleteAsync(string userId, string sessionId, DateTimeOffset endedAt, CancellationToken cancellationToken = default);

    /// <summary>Moves completed sessions to <see cref="SessionState.Learned"/>; other ids are ignored.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionIds">The sessions.</param>
    /// <param name="learnedAt">When the persona learned from them.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the state is stored.</returns>
    Task MarkLearnedAsync(string userId, IReadOnlyCollection<string> sessionIds, DateTimeOffset learnedAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes the user's <see cref="SessionState.Learned"/> sessions, with their messages, that were learned at
    /// or before a given time. Open and completed sessions are never deleted.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="learnedAtOrBefore">Sessions learned after this time are kept.</param>
    /// <param name="keepSessionId">A session to keep whatever its state, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of sessions deleted.</returns>
    Task<int> DeleteLearnedSessionsAsync(string userId, DateTimeOffset learnedAtOrBefore, string? keepSessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes one session of a user, with its messages, whatever its state.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when the session existed and is gone; <see langword="false"/> when the user has no
    /// session with that id.</returns>
    Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Gets a user's sessions, oldest first.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="state">Only sessions in this state, or all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions with their messages.</returns>
    Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, SessionState? state = null, CancellationToken cancellationToken = default);

    /// <summary>Counts a user's sessions in a state, cheaply.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The count.</returns>
    Task<int> CountSessionsAsync(string userId, SessionState state, CancellationToken cancellationToken = default);

    /// <summary>Lists users that have open or completed (not learned) sessions, and at least
    /// <paramref name="minimumCompleted"/> completed ones, in one query where the store can.</summary>
    /// <param name="minimumCompleted">The fewest completed sessions a listed user has; 0 lists every user with an open or
    /// completed session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user ids.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumCompleted"/> is negative.</exception>
    Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumCompleted = 0, CancellationToken cancellationToken = default);

    /// <summary>Lists every user the store holds sessions for, in any state, each once, in no particular order. Large stores
    /// are read a page at a time. For copying a store (<see cref="AiPersonaStorageCopy"/>) and other work over all users;
    /// the session manager does not call it.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user ids.</returns>
    IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the sessions are gone.</returns>
    Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default);
}
