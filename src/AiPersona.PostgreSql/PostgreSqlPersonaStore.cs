using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Keeps personas and their revision history in PostgreSQL, shared by every instance of the app.</summary>
/// <remarks>A save is one statement that only succeeds on the version that was read (optimistic concurrency), plus its
/// revisions, in one transaction.</remarks>
public sealed class PostgreSqlPersonaStore : IPersonaStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlDatabase _database;
    private readonly bool _ownsDatabase;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlPersonaStore"/> class.</summary>
    /// <param name="options">The options.</param>
    public PostgreSqlPersonaStore(IOptions<PostgreSqlStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new PostgreSqlDatabase(options.Value);
        _ownsDatabase = true;
    }

    internal PostgreSqlPersonaStore(PostgreSqlDatabase database) => _database = database;

    /// <inheritdoc/>
    public async Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var document = await _database.Command(connection, "SELECT document FROM {schema}.personas WHERE user_key = @key;", null, ("key", key))
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            return document is null ? Persona.CreateEmpty(userId) : DbCommandReads.Document(document, AiPersonaJsonContext.Default.Persona, userId);
        }
    }

    /// <inheritdoc/>
    public async Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalid(change);
        var userId = change.Updated.UserId;
        var key = UserKeys.Of(userId);
        var document = JsonSerializer.Serialize(change.Updated, AiPersonaJsonContext.Default.Persona);
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            var written = change.BaseVersion == 0
                ? await _database.Command(
                    connection,
                    "INSERT INTO {schema}.personas (user_key, user_id, version, document) VALUES (@key, @id, @version, @document) ON CONFLICT (user_key) DO NOTHING;",
                    transaction,
                    ("key", key),
                    ("id", UserKeys.Encode(userId)),
                    ("version", change.Updated.Version),
                    ("document", document)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)
                : await _database.Command(
                    connection,
                    "UPDATE {schema}.personas SET version = @version, document = @document WHERE user_key = @key AND version = @base;",
                    transaction,
                    ("key", key),
                    ("version", change.Updated.Version),
                    ("base", change.BaseVersion),
                    ("document", document)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (written == 0)
            {
                var stored = await _database.Command(connection, "SELECT version FROM {schema}.personas WHERE user_key = @key;", transaction, ("key", key))
                    .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                throw new PersonaConcurrencyException(change.BaseVersion, stored is long version ? version : 0);
            }

            foreach (var revision in change.Revisions)
            {
                await _database.Command(
                    connection,
                    "INSERT INTO {schema}.persona_revisions (user_key, version, document) VALUES (@key, @version, @document);",
                    transaction,
                    ("key", key),
                    ("version", revision.Version),
                    ("document", JsonSerializer.Serialize(revision, AiPersonaJsonContext.Default.PersonaRevision))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return change.Updated;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await _database.Command(connection, "SELECT document FROM {schema}.persona_revisions WHERE user_key = @key ORDER BY id;", null, ("key", key))
                .ReadAllAsync(DbCommandReads.Revision(userId), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
        => UserIdPages.ReadAsync(
            (after, ct) => _database.ReadUserPageAsync("SELECT user_key, user_id FROM {schema}.personas WHERE user_key > @after ORDER BY user_key LIMIT @limit;", after, ct),
            cancellationToken);

    /// <inheritdoc/>
    public async Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalidField(section, field);
        var key = UserKeys.Of(userId);
        var deleted = 0;
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            // Revisions are JSON documents: the field's are found by reading them, then deleted by id.
            var revisions = await _database.Command(connection, "SELECT id, document FROM {schema}.persona_revisions WHERE user_key = @key;", transaction, ("key", key))
                .ReadAllAsync(DbCommandReads.RevisionWithId(userId), cancellationToken).ConfigureAwait(false);
            var ids = revisions.Where(r => PersonaChanges.IsRevisionOf(r.Revision, section, field)).Select(static r => r.Id).ToArray();
            deleted = ids.Length == 0 ? 0 : await _database.Command(connection, "DELETE FROM {schema}.persona_revisions WHERE user_key = @key AND id = ANY(@ids);", transaction, ("key", key), ("ids", ids))
                .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        return _database.InTransactionAsync(
            (connection, transaction) => _database.Command(
                connection,
                "DELETE FROM {schema}.persona_revisions WHERE user_key = @key; DELETE FROM {schema}.personas WHERE user_key = @key; DELETE FROM {schema}.update_leases WHERE user_key = @key;",
                transaction,
                ("key", key)).ExecuteNonQueryAsync(cancellationToken),
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
}
