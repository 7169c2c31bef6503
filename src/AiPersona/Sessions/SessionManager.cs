using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>The default <see cref="ISessionManager"/>: session boundaries, deduplication and pending state over any
/// <see cref="ISessionStore"/>.</summary>
internal sealed class SessionManager : ISessionManager
{
    private readonly ISessionStore _store;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AsyncKeyedLock _userLocks = new();
    private readonly ServiceHeldConversations _serviceHeld = new();

    public SessionManager(ISessionStore store, IOptionsMonitor<AiPersonaOptions> options, TimeProvider? timeProvider = null, ILogger<SessionManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<SessionManager>.Instance;
    }

    public async Task<int> BeginTurnAsync(string userId, string? conversationId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        conversationId = UnicodeText.ToStorable(conversationId);
        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var latest = await _store.GetLatestSessionAsync(userId, cancellationToken).ConfigureAwait(false);
            await ApplyTurnBoundariesAsync(latest, conversationId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return await PendingCountAsync(userId, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<SessionTurnResult> RecordTurnAsync(
        string userId,
        string? conversationId,
        IEnumerable<ChatMessage> requestMessages,
        IEnumerable<ChatMessage> responseMessages,
        string? responseConversationId = null,
        CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentNullException.ThrowIfNull(requestMessages);
        ArgumentNullException.ThrowIfNull(responseMessages);

        // Conversation ids are stored and compared as UTF-8 storage gives them back (see SessionMessages.Convert).
        conversationId = UnicodeText.ToStorable(conversationId);
        responseConversationId = UnicodeText.ToStorable(responseConversationId);

        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            var request = SessionMessages.Convert(requestMessages, now);
            var response = SessionMessages.Convert(responseMessages, now);
            var latest = await _store.GetLatestSessionAsync(userId, cancellationToken).ConfigureAwait(false);
            var open = await ApplyTurnBoundariesAsync(latest, conversationId, now, cancellationToken).ConfigureAwait(false);

            // A client that continues a conversation after its session ended (idle timeout, EndSessionAsync) still resends
            // the old messages: compare against the latest session of the same conversation so nothing is stored twice.
            var continued = latest is not null && (conversationId is null || string.Equals(latest.ConversationId, conversationId, StringComparison.Ordinal))
                ? latest
                : null;

            // A user returning to a conversation they left for another (two tabs, a chat list) resends its history too. A
            // request of one message is a new conversation's first (or a client that sends only the new message): no history
            // to look up, so starting a conversation costs no search through the user's sessions.
            if (continued is null && conversationId is not null && request.Count > 1)
            {
                continued = await _store.GetLatestSessionOfConversationAsync(userId, conversationId, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            // A request that has only the open session's last user message in common with it asks for another reply to it
            // when the client resends its history: the first message of a conversation is then sent alone (or after an
            // earlier session's messages). A client of a conversation the service keeps (a response handed its id back)
            // sends only its new message: the user said it again. A session that already ended takes no message as asked
            // again: a user starting anew with the same words ("hi") is far likelier.
            var serviceKeepsHistory = _serviceHeld.Contains(userId, conversationId);
            _serviceHeld.Continue(userId, conversationId, responseConversationId);
            var mayAskForAnotherReply = open is not null && (request.Count > 1 || !serviceKeepsHistory);
            var added = continued is null ? request : SessionMessages.Unseen(continued.Messages, request, mayAskForAnotherReply);

            // An open session (the latest, so the one compared with) that continues a conversation after an idle timeout
            // holds only what was said since it started, while the client resends the earlier session's messages in front.
            // A request that follows the open session nowhere (its first message edited) is compared with the latest
            // session before it under the same conversation id (or without one, like the open session), so those messages
            // are not stored again.
            if (open is not null && ReferenceEquals(added, request) && request.Count > 1)
            {
                var before = await _store.GetLatestSessionOfConversationAsync(userId, open.ConversationId, open.Id, cancellationToken).ConfigureAwait(false);
                if (before is not null)
                {
                    added = SessionMessages.Unseen(before.Messages, request);
                }
            }

            added.AddRange(response);

            string sessionId;
            if (open is null)
            {
                if (added.Count == 0)
                {
                    return new SessionTurnResult(string.Empty, 0, await PendingCountAsync(userId, cancellationToken).ConfigureAwait(false));
                }

                sessionId = NewSessionId(latest, now);
                await _store.CreateAsync(
                    new ConversationSession(sessionId, userId, responseConversationId ?? conversationId, SessionState.Open, now, now, null, null, added),
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                sessionId = open.Id;
                var movedOn = responseConversationId is not null && !string.Equals(responseConversationId, open.ConversationId, StringComparison.Ordinal);
                if (added.Count > 0 || movedOn)
                {
                    await _store.AppendMessagesAsync(userId, sessionId, added, now, movedOn ? responseConversationId : null, cancellationToken).ConfigureAwait(false);
                }
            }

            var pending = await PendingCountAsync(userId, cancellationToken).ConfigureAwait(false);
            Log.TurnRecorded(_logger, UserIdHash.Of(userId), sessionId, added.Count, pending);
            return new SessionTurnResult(sessionId, added.Count, pending);
        }
    }

    public async Task<int> EndSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var latest = await _store.GetLatestSessionAsync(userId, cancellationToken).ConfigureAwait(false);
            var open = await CompleteIfIdleAsync(latest, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (open is not null)
            {
                await CompleteAsync(open, _time.GetUtcNow(), "ended by the application", cancellationToken).ConfigureAwait(false);
            }

            return await PendingCountAsync(userId, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<ConversationSession>> GetPendingSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var latest = await _store.GetLatestSessionAsync(userId, cancellationToken).ConfigureAwait(false);
            await CompleteIfIdleAsync(latest, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return await _store.GetSessionsAsync(userId, SessionState.Completed, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<int> CountPendingSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        return PendingCountAsync(userId, cancellationToken);
    }

    public async Task MarkLearnedAsync(string userId, IEnumerable<string> sessionIds, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentNullException.ThrowIfNull(sessionIds);
        var ids = sessionIds.ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return;
        }

        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            await _store.MarkLearnedAsync(userId, ids, now, cancellationToken).ConfigureAwait(false);
            if (_options.CurrentValue.LearnedSessionRetention is { } retention)
            {
                await DeleteExpiredAsync(userId, now - retention, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var deleted = await _store.DeleteSessionAsync(userId, sessionId, cancellationToken).ConfigureAwait(false);
            if (deleted)
            {
                Log.SessionDeleted(_logger, UserIdHash.Of(userId), sessionId);
            }

            return deleted;
        }
    }

    public Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        return _store.GetSessionsAsync(userId, null, cancellationToken);
    }

    public Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumPending = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumPending);
        return _store.GetUsersWithUnlearnedSessionsAsync(minimumPending, cancellationToken);
    }

    public async Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        using (await _userLocks.AcquireAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            await _store.DeleteUserAsync(userId, cancellationToken).ConfigureAwait(false);
        }
    }

    // Completes the open session when it has been idle too long; returns the session that stays open, if any.
    private async Task<ConversationSession?> CompleteIfIdleAsync(ConversationSession? latest, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (latest is not { State: SessionState.Open })
        {
            return null;
        }

        if (IsIdle(latest, now))
        {
            await CompleteAsync(latest, latest.LastActivityAt, "idle timeout", cancellationToken).ConfigureAwait(false);
            return null;
        }

        return latest;
    }

    // Before a turn: the open session also ends when the turn names another conversation. A turn without an id continues
    // the open session: a client that resends the whole history without an id may still get an id back from a service that
    // stores responses (the OpenAI Responses API does), and its turns must not each become a session.
    private async Task<ConversationSession?> ApplyTurnBoundariesAsync(ConversationSession? latest, string? conversationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var open = await CompleteIfIdleAsync(latest, now, cancellationToken).ConfigureAwait(false);
        if (open is not null && conversationId is not null && !string.Equals(open.ConversationId, conversationId, StringComparison.Ordinal))
        {
            await CompleteAsync(open, now, "new conversation id", cancellationToken).ConfigureAwait(false);
            return null;
        }

        return open;
    }

    // Version 7 GUIDs sort by time; a clock that went backwards must still give a greater id than the latest one.
    private static string NewSessionId(ConversationSession? latest, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now).ToString("N");
        while (latest is not null && string.CompareOrdinal(id, latest.Id) <= 0)
        {
            now = now.AddMilliseconds(1);
            id = Guid.CreateVersion7(now).ToString("N");
        }

        return id;
    }

    private bool IsIdle(ConversationSession session, DateTimeOffset now) => now - session.LastActivityAt >= _options.CurrentValue.SessionIdleTimeout;

    private async Task CompleteAsync(ConversationSession session, DateTimeOffset endedAt, string why, CancellationToken cancellationToken)
    {
        await _store.CompleteAsync(session.UserId, session.Id, endedAt, cancellationToken).ConfigureAwait(false);
        Log.SessionCompleted(_logger, UserIdHash.Of(session.UserId), session.Id, why);
    }

    // The learning is saved by now: a failure here only postpones the clean-up to the next update.
    private async Task DeleteExpiredAsync(string userId, DateTimeOffset learnedAtOrBefore, CancellationToken cancellationToken)
    {
        try
        {
            var latest = await _store.GetLatestSessionAsync(userId, cancellationToken).ConfigureAwait(false);
            var deleted = await _store.DeleteLearnedSessionsAsync(userId, learnedAtOrBefore, latest?.Id, cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                Log.SessionsPruned(_logger, UserIdHash.Of(userId), deleted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PruneFailed(_logger, ex, UserIdHash.Of(userId));
        }
    }

    private Task<int> PendingCountAsync(string userId, CancellationToken cancellationToken)
        => _store.CountSessionsAsync(userId, SessionState.Completed, cancellationToken);
}
