using Npgsql;

namespace AiPersona;

/// <summary>The data source and schema of one PostgreSQL database, shared by the stores and the update lock.</summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Lock _initializationLock = new();
    private Task? _initialization;

    public PostgreSqlDatabase(PostgreSqlStorageOptions options)
    {
        Validate(options);
        Options = options;
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
    }

    public PostgreSqlStorageOptions Options { get; }

    public static void Validate(PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfInvalidConnectionString(options.ConnectionString, nameof(options), "PostgreSqlStorageOptions.ConnectionString");
        PostgreSqlAiPersonaSchema.ThrowIfInvalidName(options.SchemaName);
        if (options.UpdateLeaseDuration <= TimeSpan.Zero || options.UpdateLeaseDuration > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"PostgreSqlStorageOptions.UpdateLeaseDuration must be positive and at most one day; it is {options.UpdateLeaseDuration}.", nameof(options));
        }
    }

    /// <summary>Throws when <paramref name="connectionString"/> is empty or not an Npgsql connection string.</summary>
    public static void ThrowIfInvalidConnectionString(string? connectionString, string parameterName, string subject = "The PostgreSQL connection string")
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException($"{subject} must be set.", parameterName);
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The connection string is not echoed: it may hold a password.
            throw new ArgumentException($"{subject} is not an Npgsql connection string (\"Host=…;Database=…;Username=…\"): {ex.Message}", parameterName, ex);
        }
    }

    /// <summary>Replaces <c>{schema}</c> in SQL with the configured schema name (validated as an identifier).</summary>
    public string Sql(string sql) => sql.Replace("{schema}", Options.SchemaName, StringComparison.Ordinal);

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Options.AutoCreateSchema)
        {
            await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    public NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(Sql(sql), connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Reads one page of (user key, user id) rows for <see cref="UserIdPages"/>: <paramref name="sql"/> takes the
    /// last key read as <c>@after</c> and the page size as <c>@limit</c>.</summary>
    public async Task<List<(string Key, string UserId)>> ReadUserPageAsync(string sql, string after, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await Command(connection, sql, null, ("after", after), ("limit", UserIdPages.PageSize))
                .ReadAllAsync(static reader => (reader.GetString(0), UserKeys.Decode(reader.GetFieldValue<byte[]>(1))), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates or upgrades the schema to <paramref name="targetVersion"/>, once across every instance (an
    /// advisory lock serializes concurrent starters).</summary>
    public Task MigrateAsync(int targetVersion, CancellationToken cancellationToken)
        => MigrateAsync(PostgreSqlAiPersonaSchema.Migrations, targetVersion, cancellationToken);

    /// <summary>Runs the migrations from the stored version up to <paramref name="targetVersion"/> in one transaction:
    /// index i of <paramref name="migrations"/> upgrades version i to i + 1. Existing rows are kept.</summary>
    internal async Task MigrateAsync(IReadOnlyList<string> migrations, int targetVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetVersion, migrations.Count);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await Command(connection, "SELECT pg_advisory_xact_lock(hashtext('aipersona-schema:' || @schema));", transaction, ("schema", Options.SchemaName))
                    .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await Command(connection, "CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE IF NOT EXISTS {schema}.schema_version (version integer NOT NULL);", transaction)
                    .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                var stored = await Command(connection, "SELECT max(version) FROM {schema}.schema_version;", transaction).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                var version = stored is int v ? v : 0;
                if (version > migrations.Count)
                {
                    throw new InvalidOperationException($"The AiPersona schema '{Options.SchemaName}' has version {version}, newer than this library knows ({migrations.Count}). Update the AiPersona.PostgreSql package.");
                }

                for (; version < targetVersion; version++)
                {
                    await Command(connection, migrations[version], transaction).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await Command(connection, "DELETE FROM {schema}.schema_version; INSERT INTO {schema}.schema_version (version) VALUES (@version);", transaction, ("version", version + 1))
                        .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task InTransactionAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();

    private Task InitializeAsync()
    {
        lock (_initializationLock)
        {
            if (_initialization is null || _initialization.IsFaulted || _initialization.IsCanceled)
            {
                _initialization = MigrateAsync(PostgreSqlAiPersonaSchema.LatestVersion, CancellationToken.None);
            }

            return _initialization;
        }
    }
}
