using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>The historical session manager: records each user's conversation sessions and knows which completed
/// sessions the persona has not yet learned from.</summary>
/// <remarks>
/// A session ends when the application says so (<see cref="EndSessionAsync"/>), when a turn arrives with another
/// conversation id than the session's, or when it has been idle longer than
/// <see cref="AiPersonaOptions.SessionIdleTimeout"/>; a turn without a conversation id continues the open session. A
/// session's conversation id is the one its first turn carried, replaced by the id each response hands back when the
/// service keeps the conversation itself (as the OpenAI Responses API does, with a new id per response), so that
/// service's follow-up requests continue the session. Such a service's new conversation starts without an id: end the
/// previous session (<see cref="EndSessionAsync"/>) if it is not to run on.
/// Completed sessions stay pending until <see cref="MarkLearnedAsync"/> is called, which the persona updater does only
/// after the updated persona has been saved. Implementations are thread-safe.
/// </remarks>
public interface ISessionManager
{
    /// <summary>Applies session boundaries before a turn reaches the model: completes the open session when it has been
    /// idle too long or when <paramref name="conversationId"/> names another conversation. Lets the persona learn from a
    /// finished session before the next one's first request.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="conversationId">The conversation id of the coming turn, if any.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>How many completed sessions of the user are pending.</returns>
    Task<int> BeginTurnAsync(string userId, string? conversationId, CancellationToken cancellationToken = default);

    /// <summary>Records one chat turn. Callers may resend the whole conversation (or a window of its latest messages, or
    /// the conversation as it stands after a regenerated reply or an edited message): each message is stored once.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="conversationId">The request's conversation id (<see cref="ChatOptions.ConversationId"/>), or
    /// <see langword="null"/>.</param>
    /// <param name="requestMessages">The messages sent to the model (system messages are not stored).</param>
    /// <param name="responseMessages">The messages the model answered with.</param>
    /// <param name="responseConversationId">The response's <see cref="ChatResponse.ConversationId"/>: a service that keeps
    /// the conversation itself hands back the id under which the next request continues it, and the session follows it.
    /// <see langword="null"/> for services that keep no state.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session, how many messages were new, and how many sessions are pending.</returns>
    Task<SessionTurnResult> RecordTurnAsync(
        string userId,
        string? conversationId,
        IEnumerable<ChatMessage> requestMessages,
        IEnumerable<ChatMessage> responseMessages,
        string? responseConversationId = null,
        CancellationToken cancellationToken = default);

    /// <summary>Ends the user's open session, if any.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>How many completed sessions of the user are pending afterwards.</returns>
    Task<int> EndSessionAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Gets the user's completed sessions that the persona has not learned from, oldest first. An open session
    /// that has been idle too long is completed first.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The pending sessions.</returns>
    Task<IReadOnlyList<ConversationSession>> GetPendingSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Counts the user's completed sessions that the persona has not learned from, cheaply.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The count.</returns>
    Task<int> CountPendingSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Marks sessions as learned. Call it only after the persona that learned from them was saved. With
    /// <see cref="AiPersonaOptions.LearnedSessionRetention"/> set, the user's learned transcripts past their retention are
    /// deleted here too.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionIds">The sessions; ids that are not pending are ignored.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the sessions are marked.</returns>
    Task MarkLearnedAsync(string userId, IEnumerable<string> sessionIds, CancellationToken cancellationToken = default);

    /// <summary>Deletes one session of a user (for example a conversation the user deleted in the app), with its messages,
    /// whatever its state. A pending session is then never learned from; a session already learned from leaves what the
    /// persona learned (values whose <see cref="PersonaValue.SourceSessionIds"/> name it), which the application can
    /// remove with <see cref="PersonalizedChatClient.ForgetFieldAsync"/>. Deleting the open session makes the
    /// conversation's next turn start a new session.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="sessionId">The session (<see cref="ConversationSession.Id"/>).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when the session existed and is gone; <see langword="false"/> when the user has no
    /// session with that id.</returns>
    Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Gets all sessions of a user, oldest first.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions.</returns>
    Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Lists the users that have open or pending sessions, and at least <paramref name="minimumPending"/> pending
    /// ones, so that work interrupted by a restart is found again.</summary>
    /// <param name="minimumPending">The fewest pending (completed, not learned) sessions a listed user has; 0 lists every
    /// user with an open or pending session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user ids.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumPending"/> is negative.</exception>
    Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumPending = 0, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the sessions are gone.</returns>
    Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default);
}
