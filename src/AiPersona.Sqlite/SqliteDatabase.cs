using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AiPersona;

/// <summary>Opens connections to the database file and creates or upgrades its schema on first use.</summary>
/// <remarks>
/// The schema version lives in <c>PRAGMA user_version</c>; each migration runs once, in a transaction, in order, so an
/// older file is upgraded in place. The database uses WAL journaling, so readers do not block the writer and several
/// processes can share the file; writers wait for each other (the connection's default timeout, 30 s).
/// </remarks>
internal sealed class SqliteDatabase
{
    /// <summary>The migrations, in order. Index i upgrades the schema from version i to version i + 1.</summary>
    internal static readonly string[] Migrations =
    [
        """
        CREATE TABLE personas (
            user_key TEXT NOT NULL PRIMARY KEY,
            user_id BLOB NOT NULL,
            version INTEGER NOT NULL,
            document TEXT NOT NULL);
        CREATE TABLE persona_revisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_key TEXT NOT NULL,
            version INTEGER NOT NULL,
            document TEXT NOT NULL);
        CREATE INDEX persona_revisions_user ON persona_revisions (user_key, id);
        CREATE TABLE sessions (
            user_key TEXT NOT NULL,
            id TEXT NOT NULL,
            user_id BLOB NOT NULL,
            conversation_id TEXT NULL,
            state INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            last_activity_at TEXT NOT NULL,
            ended_at TEXT NULL,
            learned_at TEXT NULL,
            PRIMARY KEY (user_key, id));
        CREATE INDEX sessions_state ON sessions (state, user_key);
        CREATE TABLE session_messages (
            user_key TEXT NOT NULL,
            session_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (user_key, session_id, seq));
        """,
        """
        CREATE TABLE update_leases (
            user_key TEXT NOT NULL PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL);
        """,
    ];

    private readonly string _connectionString;
    private readonly Lock _initializationLock = new();
    private Task? _initialization;

    public SqliteDatabase(SqliteStorageOptions options)
    {
        Validate(options);
        _connectionString = options.ConnectionString;
        Options = options;
    }

    /// <summary>Checks the options, so a mistake fails where the storage is configured rather than at first use.</summary>
    public static void Validate(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfInvalidConnectionString(options.ConnectionString, nameof(options), "SqliteStorageOptions.ConnectionString");
        if (options.UpdateLeaseDuration <= TimeSpan.Zero || options.UpdateLeaseDuration > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"SqliteStorageOptions.UpdateLeaseDuration must be positive and at most one day; it is {options.UpdateLeaseDuration}.", nameof(options));
        }
    }

    /// <summary>Throws when <paramref name="connectionString"/> is empty or not a connection string (a bare file path, say).</summary>
    public static void ThrowIfInvalidConnectionString(string? connectionString, string parameterName, string subject = "The SQLite connection string")
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException($"{subject} must be set, for example \"Data Source=aipersona.db\".", parameterName);
        }

        try
        {
            _ = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // A bare file path is the usual mistake; anything else is not echoed, as it may hold a password.
            var hint = connectionString.Contains('=', StringComparison.Ordinal)
                ? "for example \"Data Source=aipersona.db\""
                : $"for a file path write \"Data Source={connectionString}\"";
            throw new ArgumentException($"{subject} is not a connection string ({hint}): {ex.Message}", parameterName, ex);
        }
    }

    public SqliteStorageOptions Options { get; }

    public static int LatestVersion => Migrations.Length;

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Time(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Reads one page of (user key, user id) rows for <see cref="UserIdPages"/>: <paramref name="sql"/> takes the
    /// last key read as <c>$after</c> and the page size as <c>$limit</c>.</summary>
    public async Task<List<(string Key, string UserId)>> ReadUserPageAsync(string sql, string after, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await Command(connection, sql, null, ("$after", after), ("$limit", UserIdPages.PageSize))
                .ReadAllAsync(static reader => (reader.GetString(0), UserKeys.Decode((byte[])reader[1])), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Upgrades the schema to <paramref name="targetVersion"/> (tests use it to create an older file).</summary>
    internal async Task MigrateAsync(int targetVersion, CancellationToken cancellationToken)
    {
        var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await Command(connection, "PRAGMA journal_mode=WAL;").ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var version = Convert.ToInt32(await Command(connection, "PRAGMA user_version;", transaction).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (version > LatestVersion)
                {
                    throw new InvalidOperationException($"The AiPersona database has schema version {version}, newer than this library knows ({LatestVersion}). Update the AiPersona.Sqlite package.");
                }

                for (; version < targetVersion; version++)
                {
                    await Command(connection, Migrations[version], transaction).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await Command(connection, $"PRAGMA user_version = {version + 1};", transaction).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs work in one transaction on a new connection, committing when it completes.</summary>
    public async Task InTransactionAsync(Func<SqliteConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Runs the migrations once per instance; a failed attempt is retried by the next caller.
    private Task InitializeAsync()
    {
        lock (_initializationLock)
        {
            if (_initialization is null || _initialization.IsFaulted || _initialization.IsCanceled)
            {
                _initialization = MigrateAsync(LatestVersion, CancellationToken.None);
            }

            return _initialization;
        }
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
