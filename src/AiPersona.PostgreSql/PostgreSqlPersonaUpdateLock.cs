using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>An update lock shared by every instance of the app: a lease row per user, taken atomically with an upsert
/// that only succeeds when no lease exists or the existing one expired (its holder died), and released on dispose.</summary>
public sealed class PostgreSqlPersonaUpdateLock : IPersonaUpdateLock, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly bool _ownsDatabase;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlPersonaUpdateLock"/> class.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public PostgreSqlPersonaUpdateLock(IOptions<PostgreSqlStorageOptions> options, TimeProvider? timeProvider = null)
        : this(new PostgreSqlDatabase((options ?? throw new ArgumentNullException(nameof(options))).Value), timeProvider)
    {
        _ownsDatabase = true;
    }

    internal PostgreSqlPersonaUpdateLock(PostgreSqlDatabase database, TimeProvider? timeProvider)
    {
        _database = database;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var holder = Guid.NewGuid().ToString("N");
        var now = _time.GetUtcNow().ToUniversalTime();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var acquired = await _database.Command(
                connection,
                """
                INSERT INTO {schema}.update_leases (user_key, holder, expires_at) VALUES (@key, @holder, @expires)
                ON CONFLICT (user_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE {schema}.update_leases.expires_at < @now
                RETURNING holder;
                """,
                null,
                ("key", key),
                ("holder", holder),
                ("expires", now + _database.Options.UpdateLeaseDuration),
                ("now", now)).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return acquired is null ? null : new Lease(_database, key, holder);
        }
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

    private sealed class Lease(PostgreSqlDatabase database, string key, string holder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await database.Command(connection, "DELETE FROM {schema}.update_leases WHERE user_key = @key AND holder = @holder;", null, ("key", key), ("holder", holder))
                    .ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }
}
