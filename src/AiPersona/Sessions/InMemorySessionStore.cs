namespace AiPersona;

/// <summary>Keeps sessions in process memory. Pending work is lost on restart; use a durable store in production.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly Dictionary<string, List<ConversationSession>> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public Task<ConversationSession?> GetLatestSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            // Each list is kept in id order, so the latest session is the last.
            var list = Sessions(userId);
            return Task.FromResult(list.Count == 0 ? null : list[^1]);
        }
    }

    /// <inheritdoc/>
    public Task<ConversationSession?> GetLatestSessionOfConversationAsync(string userId, string? conversationId, string? beforeSessionId = null, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            return Task.FromResult(Sessions(userId).LastOrDefault(
                s => string.Equals(s.ConversationId, conversationId, StringComparison.Ordinal) && (beforeSessionId is null || string.CompareOrdinal(s.Id, beforeSessionId) < 0)));
        }
    }

    /// <inheritdoc/>
    public Task CreateAsync(ConversationSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        UserIds.ThrowIfInvalid(session.UserId, nameof(session));
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session.UserId, out var list))
            {
                list = [];
                _sessions[session.UserId] = list;
            }

            if (list.Exists(s => s.Id == session.Id))
            {
                throw new InvalidOperationException($"Session '{session.Id}' already exists.");
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].State == SessionState.Open)
                {
                    list[i] = list[i] with { State = SessionState.Completed, EndedAt = session.StartedAt };
                }
            }

            // Ids normally grow with time, so a new session almost always goes last.
            var index = list.Count;
            while (index > 0 && string.CompareOrdinal(list[index - 1].Id, session.Id) > 0)
            {
                index--;
            }

            list.Insert(index, session);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task AppendMessagesAsync(string userId, string sessionId, IReadOnlyList<SessionMessage> messages, DateTimeOffset activityAt, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Update(userId, sessionId, s => s.State == SessionState.Open
            ? s with { Messages = [.. s.Messages, .. messages], LastActivityAt = activityAt, ConversationId = conversationId ?? s.ConversationId }
            : throw new InvalidOperationException($"Session '{sessionId}' is not open."));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task CompleteAsync(string userId, string sessionId, DateTimeOffset endedAt, CancellationToken cancellationToken = default)
    {
        Update(userId, sessionId, s => s.State == SessionState.Open ? s with { State = SessionState.Completed, EndedAt = endedAt } : s);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task MarkLearnedAsync(string userId, IReadOnlyCollection<string> sessionIds, DateTimeOffset learnedAt, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentNullException.ThrowIfNull(sessionIds);
        lock (_lock)
        {
            var list = Sessions(userId);
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].State == SessionState.Completed && sessionIds.Contains(list[i].Id))
                {
                    list[i] = list[i] with { State = SessionState.Learned, LearnedAt = learnedAt };
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<int> DeleteLearnedSessionsAsync(string userId, DateTimeOffset learnedAtOrBefore, string? keepSessionId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            return Task.FromResult(Sessions(userId).RemoveAll(s => s.State == SessionState.Learned && s.LearnedAt <= learnedAtOrBefore && s.Id != keepSessionId));
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        lock (_lock)
        {
            return Task.FromResult(Sessions(userId).RemoveAll(s => s.Id == sessionId) > 0);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, SessionState? state = null, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            IReadOnlyList<ConversationSession> result = [.. Sessions(userId).Where(s => state is null || s.State == state)];
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public Task<int> CountSessionsAsync(string userId, SessionState state, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            return Task.FromResult(Sessions(userId).Count(s => s.State == state));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumCompleted = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCompleted);
        lock (_lock)
        {
            IReadOnlyList<string> result =
            [
                .. _sessions
                    .Where(u => u.Value.Exists(static s => s.State != SessionState.Learned) && u.Value.Count(static s => s.State == SessionState.Completed) >= minimumCompleted)
                    .Select(static u => u.Key),
            ];
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _sessions.Where(static u => u.Value.Count > 0).Select(static u => u.Key).ToArray().ToAsyncEnumerable();
        }
    }

    /// <inheritdoc/>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            _sessions.Remove(userId);
        }

        return Task.CompletedTask;
    }

    private List<ConversationSession> Sessions(string userId) => _sessions.TryGetValue(userId, out var list) ? list : [];

    private void Update(string userId, string sessionId, Func<ConversationSession, ConversationSession> update)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        lock (_lock)
        {
            var list = Sessions(userId);
            var index = list.FindLastIndex(s => s.Id == sessionId); // the session a turn touches is nearly always the latest
            if (index < 0)
            {
                throw new InvalidOperationException($"Session '{sessionId}' does not exist.");
            }

            list[index] = update(list[index]);
        }
    }
}
