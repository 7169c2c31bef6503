using Microsoft.Extensions.Options;
using Npgsql;

namespace AiPersona;

/// <summary>Keeps conversation sessions, their messages and their pending/learned state in PostgreSQL.</summary>
/// <remarks>A user has at most one open session, enforced by a unique index, even when two instances start a session
/// for the same user at the same moment.</remarks>
public sealed class PostgreSqlSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private const string SessionColumns = "id, user_id, conversation_id, state, started_at, last_activity_at, ended_at, learned_at";
    private const int MaxCreateAttempts = 10;
    private readonly PostgreSqlDatabase _database;
    private readonly bool _ownsDatabase;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlSessionStore"/> class.</summary>
    /// <param name="options">The options.</param>
    public PostgreSqlSessionStore(IOptions<PostgreSqlStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new PostgreSqlDatabase(options.Value);
        _ownsDatabase = true;
    }

    internal PostgreSqlSessionStore(PostgreSqlDatabase database) => _database = database;

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        var sessions = await QueryAsync(userId, $"SELECT {SessionColumns} FROM {{schema}}.sessions WHERE user_key = @key ORDER BY id DESC LIMIT 1;", null, cancellationToken).ConfigureAwait(false);
        return sessions.Count == 0 ? null : sessions[0];
    }

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionOfConversationAsync(string userId, string? conversationId, string? beforeSessionId = null, CancellationToken cancellationToken = default)
    {
        var sessions = await QueryAsync(
            userId,
            $"SELECT {SessionColumns} FROM {{schema}}.sessions WHERE user_key = @key AND conversation_id IS NOT DISTINCT FROM @conversation::text AND (@before::text IS NULL OR id COLLATE \"C\" < @before::text) ORDER BY id DESC LIMIT 1;",
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
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _database.InTransactionAsync((connection, transaction) => CreateCoreAsync(connection, transaction, key, session, cancellationToken), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "sessions_pkey")
            {
                throw new InvalidOperationException($"Session '{session.Id}' already exists.", ex);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && attempt < MaxCreateAttempts)
            {
                // Another instance opened a session for this user concurrently: run again, completing that one first.
            }
        }
    }

    /// <inheritdoc/>
    public Task AppendMessagesAsync(string userId, string sessionId, IReadOnlyList<SessionMessage> messages, DateTimeOffset activityAt, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(async (connection, transaction) =>
        {
            // The row lock serializes appends to one session across instances.
            var state = await _database.Command(connection, "SELECT state FROM {schema}.sessions WHERE user_key = @key AND id = @id FOR UPDATE;", transaction, ("key", key), ("id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (state is not short value || value != (short)SessionState.Open)
            {
                throw new InvalidOperationException(state is null ? $"Session '{sessionId}' does not exist." : $"Session '{sessionId}' is not open.");
            }

            var next = (int)(await _database.Command(connection, "SELECT COALESCE(max(seq) + 1, 0) FROM {schema}.session_messages WHERE user_key = @key AND session_id = @id;", transaction, ("key", key), ("id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await InsertMessagesAsync(connection, transaction, key, sessionId, next, messages, cancellationToken).ConfigureAwait(false);
            await _database.Command(connection, "UPDATE {schema}.sessions SET last_activity_at = @at, conversation_id = COALESCE(@conversation::text, conversation_id) WHERE user_key = @key AND id = @id;", transaction, ("key", key), ("id", sessionId), ("at", activityAt.ToUniversalTime()), ("conversation", conversationId))
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task CompleteAsync(string userId, string sessionId, DateTimeOffset endedAt, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(async (connection, transaction) =>
        {
            var exists = await _database.Command(connection, "SELECT 1 FROM {schema}.sessions WHERE user_key = @key AND id = @id;", transaction, ("key", key), ("id", sessionId))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (exists is null)
            {
                throw new InvalidOperationException($"Session '{sessionId}' does not exist.");
            }

            await _database.Command(connection, "UPDATE {schema}.sessions SET state = 1, ended_at = @ended WHERE user_key = @key AND id = @id AND state = 0;", transaction, ("key", key), ("id", sessionId), ("ended", endedAt.ToUniversalTime()))
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task MarkLearnedAsync(string userId, IReadOnlyCollection<string> sessionIds, DateTimeOffset learnedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionIds);
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(
            (connection, transaction) => _database.Command(
                connection,
                "UPDATE {schema}.sessions SET state = 2, learned_at = @at WHERE user_key = @key AND id = ANY(@ids) AND state = 1;",
                transaction,
                ("key", key),
                ("ids", sessionIds.ToArray()),
                ("at", learnedAt.ToUniversalTime())).ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<int> DeleteLearnedSessionsAsync(string userId, DateTimeOffset learnedAtOrBefore, string? keepSessionId, CancellationToken cancellationToken = default)
    {
        const string Expired = "user_key = @key AND state = 2 AND learned_at <= @before AND id <> @keep";
        var key = UserKeys.Of(userId);
        var deleted = 0;
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            (string, object?)[] parameters = [("key", key), ("before", learnedAtOrBefore.ToUniversalTime()), ("keep", keepSessionId ?? string.Empty)];
            await _database.Command(connection, $"DELETE FROM {{schema}}.session_messages WHERE user_key = @key AND session_id IN (SELECT id FROM {{schema}}.sessions WHERE {Expired});", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted = await _database.Command(connection, $"DELETE FROM {{schema}}.sessions WHERE {Expired};", transaction, parameters)
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
            // The row lock first: an append running on another instance finishes before its messages are deleted.
            (string, object?)[] parameters = [("key", key), ("id", sessionId)];
            if (await _database.Command(connection, "SELECT 1 FROM {schema}.sessions WHERE user_key = @key AND id = @id FOR UPDATE;", transaction, parameters)
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return;
            }

            await _database.Command(connection, "DELETE FROM {schema}.session_messages WHERE user_key = @key AND session_id = @id;", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted = await _database.Command(connection, "DELETE FROM {schema}.sessions WHERE user_key = @key AND id = @id;", transaction, parameters)
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, SessionState? state = null, CancellationToken cancellationToken = default)
        => QueryAsync(
            userId,
            $"SELECT {SessionColumns} FROM {{schema}}.sessions WHERE user_key = @key AND (@state::smallint IS NULL OR state = @state::smallint) ORDER BY started_at, id;",
            state is { } s ? (short)s : null,
            cancellationToken);

    /// <inheritdoc/>
    public async Task<int> CountSessionsAsync(string userId, SessionState state, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (int)(long)(await _database.Command(connection, "SELECT count(*) FROM {schema}.sessions WHERE user_key = @key AND state = @state;", null, ("key", key), ("state", (short)state))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumCompleted = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCompleted);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await _database.Command(
                    connection,
                    "SELECT user_id FROM {schema}.sessions WHERE state < 2 GROUP BY user_key, user_id HAVING count(*) FILTER (WHERE state = 1) >= @minimum ORDER BY user_key;",
                    null,
                    ("minimum", minimumCompleted))
                .ReadAllAsync(static reader => UserKeys.Decode(reader.GetFieldValue<byte[]>(0)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
        => UserIdPages.ReadAsync(
            (after, ct) => _database.ReadUserPageAsync(
                "SELECT user_key, user_id FROM {schema}.sessions WHERE user_key > @after GROUP BY user_key, user_id ORDER BY user_key LIMIT @limit;", after, ct),
            cancellationToken);

    /// <inheritdoc/>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(
            (connection, transaction) => _database.Command(connection, "DELETE FROM {schema}.session_messages WHERE user_key = @key; DELETE FROM {schema}.sessions WHERE user_key = @key;", transaction, ("key", key))
                .ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _ownsDatabase ? _database.DisposeAsync() : ValueTask.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _database.Dispose();
        }
    }

    private async Task CreateCoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, ConversationSession session, CancellationToken cancellationToken)
    {
        await _database.Command(connection, "UPDATE {schema}.sessions SET state = 1, ended_at = @ended WHERE user_key = @key AND state = 0;", transaction, ("key", key), ("ended", session.StartedAt.ToUniversalTime()))
            .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await _database.Command(
            connection,
            """
            INSERT INTO {schema}.sessions (user_key, id, user_id, conversation_id, state, started_at, last_activity_at, ended_at, learned_at)
            VALUES (@key, @id, @userId, @conversation, @state, @started, @activity, @ended, @learned);
            """,
            transaction,
            ("key", key),
            ("id", session.Id),
            ("userId", UserKeys.Encode(session.UserId)),
            ("conversation", session.ConversationId),
            ("state", (short)session.State),
            ("started", session.StartedAt.ToUniversalTime()),
            ("activity", session.LastActivityAt.ToUniversalTime()),
            ("ended", session.EndedAt?.ToUniversalTime()),
            ("learned", session.LearnedAt?.ToUniversalTime())).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await InsertMessagesAsync(connection, transaction, key, session.Id, 0, session.Messages, cancellationToken).ConfigureAwait(false);
    }

    private async Task InsertMessagesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, string sessionId, int firstSeq, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch.ConfigureAwait(false))
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var command = new NpgsqlBatchCommand(_database.Sql("INSERT INTO {schema}.session_messages (user_key, session_id, seq, role, text, created_at) VALUES ($1, $2, $3, $4, $5, $6);"));
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                command.Parameters.Add(new NpgsqlParameter { Value = sessionId });
                command.Parameters.Add(new NpgsqlParameter { Value = firstSeq + i });
                command.Parameters.Add(new NpgsqlParameter { Value = messages[i].Role });
                command.Parameters.Add(new NpgsqlParameter { Value = messages[i].Text });
                command.Parameters.Add(new NpgsqlParameter { Value = messages[i].CreatedAt.ToUniversalTime() });
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<ConversationSession>> QueryAsync(string userId, string sql, short? state, CancellationToken cancellationToken, string? conversationId = null, string? beforeSessionId = null)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var sessions = await _database.Command(connection, sql, null, ("key", key), ("state", state), ("conversation", conversationId), ("before", beforeSessionId)).ReadAllAsync(
                static reader => new ConversationSession(
                    reader.GetString(0),
                    UserKeys.Decode(reader.GetFieldValue<byte[]>(1)),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    (SessionState)reader.GetInt16(3),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    reader.GetFieldValue<DateTimeOffset>(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                    []),
                cancellationToken).ConfigureAwait(false);

            if (sessions.Count > 0)
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

    // One query for the messages of all the sessions read, grouped by session (rows come ordered by session, then seq).
    private async Task<Dictionary<string, List<SessionMessage>>> MessagesAsync(NpgsqlConnection connection, string key, string[] sessionIds, CancellationToken cancellationToken)
    {
        var rows = await _database.Command(connection, "SELECT session_id, role, text, created_at FROM {schema}.session_messages WHERE user_key = @key AND session_id = ANY(@ids) ORDER BY session_id, seq;", null, ("key", key), ("ids", sessionIds))
            .ReadAllAsync(static reader => (SessionId: reader.GetString(0), Message: new SessionMessage(reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))), cancellationToken)
            .ConfigureAwait(false);
        return rows.BySession();
    }
}
