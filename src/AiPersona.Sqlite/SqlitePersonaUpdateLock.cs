using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>An update lock shared by every process using the database file: a lease row per user that expires, so a
/// lease left by a process that died is taken over after <see cref="SqliteStorageOptions.UpdateLeaseDuration"/>.</summary>
public sealed class SqlitePersonaUpdateLock : IPersonaUpdateLock
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="SqlitePersonaUpdateLock"/> class.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SqlitePersonaUpdateLock(IOptions<SqliteStorageOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options.Value);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var holder = Guid.NewGuid().ToString("N");
        var now = _time.GetUtcNow();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var acquired = await SqliteDatabase.Command(
                connection,
                """
                INSERT INTO update_leases (user_key, holder, expires_at) VALUES ($key, $holder, $expires)
                ON CONFLICT (user_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE update_leases.expires_at < $now
                RETURNING holder;
                """,
                null,
                ("$key", key),
                ("$holder", holder),
                ("$expires", SqliteDatabase.Time(now + _database.Options.UpdateLeaseDuration)),
                ("$now", SqliteDatabase.Time(now))).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return acquired is null ? null : new Lease(_database, key, holder);
        }
    }

    private sealed class Lease(SqliteDatabase database, string key, string holder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await SqliteDatabase.Command(connection, "DELETE FROM update_leases WHERE user_key = $key AND holder = $holder;", null, ("$key", key), ("$holder", holder))
                    .ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }
}
