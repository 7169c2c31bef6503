using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Keeps conversation sessions, their messages and their pending/learned state in a SQLite database.</summary>
public sealed class SqliteSessionStore : ISessionStore
{
    private const string SessionColumns = "id, user_id, conversation_id, state, started_at, last_activity_at, ended_at, learned_at";
    private readonly SqliteDatabase _database;

    /// <summary>Initializes a new instance of the <see cref="SqliteSessionStore"/> class.</summary>
    /// <param name="options">The options.</param>
    public SqliteSessionStore(IOptions<SqliteStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options.Value);
    }

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        var sessions = await QueryAsync(userId, $"SELECT {SessionColumns} FROM sessions WHERE user_key = $key ORDER BY id DESC LIMIT 1;", null, cancellationToken).ConfigureAwait(false);
        return sessions.Count == 0 ? null : sessions[0];
    }

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionOfConversationAsync(string userId, string? conversationId, string? beforeSessionId = null, CancellationToken cancellationToken = default)
    {
        var sessions = await QueryAsync(
            userId,
            $"SELECT {SessionColumns} FROM sessions WHERE user_key = $key AND conversation_id IS $conversation AND ($before IS NULL OR id < $before) ORDER BY id DESC LIMIT 1;",
            null,
            cancellationToken,
            UnicodeText.ToStorable(conversationId),
            beforeSessionId).ConfigureAwait(false);
        return sessions.Count == 0 ? null : sessions[0];
    }

    /// <inheritdoc/>
    public async Task CreateAsync(ConversationSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(session.Id, nameof(session));
        var key = UserKeys.Of(session.UserId);
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            await SqliteDatabase.Command(
                connection,
                "UPDATE sessions SET state = 1, ended_at = $ended WHERE user_key = $key AND state = 0;",
                transaction,
                ("$key", key),
                ("$ended", SqliteDatabase.Time(session.StartedAt))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await SqliteDatabase.Command(
                    connection,
                    """
                    INSERT INTO sessions (user_key, id, user_id, conversation_id, state, started_at, last_activity_at, ended_at, learned_at)
                    VALUES ($key, $id, $userId, $conversation, $state, $started, $activity, $ended, $learned);
                    """,
                    transaction,
                    ("$key", key),
                    ("$id", session.Id),
                    ("$userId", UserKeys.Encode(session.UserId)),
                    ("$conversation", session.ConversationId),
                    ("$state", (int)session.State),
                    ("$started", SqliteDatabase.Time(session.StartedAt)),
                    ("$activity", SqliteDatabase.Time(session.LastActivityAt)),
                    ("$ended", session.EndedAt is { } ended ? SqliteDatabase.Time(ended) : null),
                    ("$learned", session.LearnedAt is { } learned ? SqliteDatabase.Time(learned) : null)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                throw new InvalidOperationException($"Session '{session.Id}' already exists.", ex);
            }

            await InsertMessagesAsync(connection, transaction, key, session.Id, 0, session.Messages, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task AppendMessagesAsync(string userId, string sessionId, IReadOnlyList<SessionMessage> messages, DateTimeOffset activityAt, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var key = UserKeys.Of(userId);
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            var state = await SqliteDatabase.Command(connection, "SELECT state FROM sessions WHERE user_key = $key AND id = $id;", transaction, ("$key", key), ("$id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (state is not long value || value != (long)SessionState.Open)
            {
                throw new InvalidOperationException(state is null ? $"Session '{sessionId}' does not exist." : $"Session '{sessionId}' is not open.");
            }

            var next = (long)(await SqliteDatabase.Command(connection, "SELECT COALESCE(MAX(seq) + 1, 0) FROM session_messages WHERE user_key = $key AND session_id = $id;", transaction, ("$key", key), ("$id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await InsertMessagesAsync(connection, transaction, key, sessionId, next, messages, cancellationToken).ConfigureAwait(false);
            await SqliteDatabase.Command(connection, "UPDATE sessions SET last_activity_at = $at, conversation_id = COALESCE($conversation, conversation_id) WHERE user_key = $key AND id = $id;", transaction, ("$key", key), ("$id", sessionId), ("$at", SqliteDatabase.Time(activityAt)), ("$conversation", conversationId))
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task CompleteAsync(string userId, string sessionId, DateTimeOffset endedAt, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(async (connection, transaction) =>
        {
            var exists = await SqliteDatabase.Command(connection, "SELECT 1 FROM sessions WHERE user_key = $key AND id = $id;", transaction, ("$key", key), ("$id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (exists is null)
            {
                throw new InvalidOperationException($"Session '{sessionId}' does not exist.");
            }

            await SqliteDatabase.Command(connection, "UPDATE sessions SET state = 1, ended_at = $ended WHERE user_key = $key AND id = $id AND state = 0;", transaction, ("$key", key), ("$id", sessionId), ("$ended", SqliteDatabase.Time(endedAt)))
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task MarkLearnedAsync(string userId, IReadOnlyCollection<string> sessionIds, DateTimeOffset learnedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionIds);
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var id in sessionIds)
            {
                await SqliteDatabase.Command(connection, "UPDATE sessions SET state = 2, learned_at = $at WHERE user_key = $key AND id = $id AND state = 1;", transaction, ("$key", key), ("$id", id), ("$at", SqliteDatabase.Time(learnedAt)))
                    .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<int> DeleteLearnedSessionsAsync(string userId, DateTimeOffset learnedAtOrBefore, string? keepSessionId, CancellationToken cancellationToken = default)
    {
        const string Expired = "user_key = $key AND state = 2 AND learned_at <= $before AND id <> $keep";
        var key = UserKeys.Of(userId);
        var deleted = 0;
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            (string, object?)[] parameters = [("$key", key), ("$before", SqliteDatabase.Time(learnedAtOrBefore)), ("$keep", keepSessionId ?? string.Empty)];
            await SqliteDatabase.Command(connection, $"DELETE FROM session_messages WHERE user_key = $key AND session_id IN (SELECT id FROM sessions WHERE {Expired});", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted = await SqliteDatabase.Command(connection, $"DELETE FROM sessions WHERE {Expired};", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        var key = UserKeys.Of(userId);
        var deleted = false;
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            (string, object?)[] parameters = [("$key", key), ("$id", sessionId)];
            await SqliteDatabase.Command(connection, "DELETE FROM session_messages WHERE user_key = $key AND session_id = $id;", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted = await SqliteDatabase.Command(connection, "DELETE FROM sessions WHERE user_key = $key AND id = $id;", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, SessionState? state = null, CancellationToken cancellationToken = default)
        => QueryAsync(
            userId,
            $"SELECT {SessionColumns} FROM sessions WHERE user_key = $key AND ($state IS NULL OR state = $state) ORDER BY started_at, id;",
            state is { } s ? (int)s : null,
            cancellationToken);

    /// <inheritdoc/>
    public async Task<int> CountSessionsAsync(string userId, SessionState state, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return Convert.ToInt32(
                await SqliteDatabase.Command(connection, "SELECT COUNT(*) FROM sessions WHERE user_key = $key AND state = $state;", null, ("$key", key), ("$state", (int)state))
                    .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false),
                System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumCompleted = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCompleted);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await SqliteDatabase.Command(
                    connection,
                    "SELECT user_key, user_id FROM sessions WHERE state IN (0, 1) GROUP BY user_key, user_id HAVING sum(state = 1) >= $minimum;",
                    null,
                    ("$minimum", minimumCompleted))
                .ReadAllAsync(static reader => UserKeys.Decode((byte[])reader[1]), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
        => UserIdPages.ReadAsync(
            (after, ct) => _database.ReadUserPageAsync(
                "SELECT user_key, user_id FROM sessions WHERE user_key > $after GROUP BY user_key, user_id ORDER BY user_key LIMIT $limit;", after, ct),
            cancellationToken);

    /// <inheritdoc/>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(
            (connection, transaction) => SqliteDatabase.Command(connection, "DELETE FROM session_messages WHERE user_key = $key; DELETE FROM sessions WHERE user_key = $key;", transaction, ("$key", key))
                .ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }

    private static async Task InsertMessagesAsync(SqliteConnection connection, SqliteTransaction transaction, string key, string sessionId, long firstSeq, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            await SqliteDatabase.Command(
                connection,
                "INSERT INTO session_messages (user_key, session_id, seq, role, text, created_at) VALUES ($key, $id, $seq, $role, $text, $at);",
                transaction,
                ("$key", key),
                ("$id", sessionId),
                ("$seq", firstSeq + i),
                ("$role", messages[i].Role),
                ("$text", messages[i].Text),
                ("$at", SqliteDatabase.Time(messages[i].CreatedAt))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<ConversationSession>> QueryAsync(string userId, string sql, int? state, CancellationToken cancellationToken, string? conversationId = null, string? beforeSessionId = null)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var sessions = await SqliteDatabase.Command(connection, sql, null, ("$key", key), ("$state", state), ("$conversation", conversationId), ("$before", beforeSessionId)).ReadAllAsync(
                static reader => new ConversationSession(
                    reader.GetString(0),
                    UserKeys.Decode((byte[])reader[1]),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    (SessionState)reader.GetInt32(3),
                    SqliteDatabase.Time(reader.GetString(4)),
                    SqliteDatabase.Time(reader.GetString(5)),
                    reader.IsDBNull(6) ? null : SqliteDatabase.Time(reader.GetString(6)),
                    reader.IsDBNull(7) ? null : SqliteDatabase.Time(reader.GetString(7)),
                    []),
                cancellationToken).ConfigureAwait(false);

            if (sessions.Count == 1)
            {
                sessions[0] = sessions[0] with { Messages = await MessagesAsync(connection, key, sessions[0].Id, cancellationToken).ConfigureAwait(false) };
            }
            else if (sessions.Count > 1)
            {
                var messages = await MessagesAsync(connection, key, [.. sessions.Select(static s => s.Id)], cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < sessions.Count; i++)
                {
                    sessions[i] = sessions[i] with { Messages = messages.TryGetValue(sessions[i].Id, out var list) ? list : [] };
                }
            }

            return sessions;
        }
    }

    // The latest session alone (read on every turn): its messages in order.
    private static async Task<IReadOnlyList<SessionMessage>> MessagesAsync(SqliteConnection connection, string key, string sessionId, CancellationToken cancellationToken)
        => await SqliteDatabase.Command(connection, "SELECT role, text, created_at FROM session_messages WHERE user_key = $key AND session_id = $id ORDER BY seq;", null, ("$key", key), ("$id", sessionId))
            .ReadAllAsync(static reader => new SessionMessage(reader.GetString(0), reader.GetString(1), SqliteDatabase.Time(reader.GetString(2))), cancellationToken).ConfigureAwait(false);

    // Several sessions: one query for all their messages (the ids passed as a JSON array), grouped by session.
    private static async Task<Dictionary<string, List<SessionMessage>>> MessagesAsync(SqliteConnection connection, string key, string[] sessionIds, CancellationToken cancellationToken)
    {
        var rows = await SqliteDatabase.Command(
                connection,
                "SELECT session_id, role, text, created_at FROM session_messages WHERE user_key = $key AND session_id IN (SELECT value FROM json_each($ids)) ORDER BY session_id, seq;",
                null,
                ("$key", key),
                ("$ids", JsonSerializer.Serialize(sessionIds, AiPersonaJsonContext.Default.IReadOnlyListString)))
            .ReadAllAsync(static reader => (SessionId: reader.GetString(0), Message: new SessionMessage(reader.GetString(1), reader.GetString(2), SqliteDatabase.Time(reader.GetString(3)))), cancellationToken)
            .ConfigureAwait(false);
        return rows.BySession();
    }
}
