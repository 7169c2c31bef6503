using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Keeps personas and their revision history in a SQLite database.</summary>
/// <remarks>Saves are transactions that check the stored version (optimistic concurrency), safe across processes that
/// share the database file.</remarks>
public sealed class SqlitePersonaStore : IPersonaStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Initializes a new instance of the <see cref="SqlitePersonaStore"/> class.</summary>
    /// <param name="options">The options.</param>
    public SqlitePersonaStore(IOptions<SqliteStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options.Value);
    }

    /// <inheritdoc/>
    public async Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var document = await SqliteDatabase.Command(connection, "SELECT document FROM personas WHERE user_key = $key;", null, ("$key", key))
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
        await _database.InTransactionAsync(
            async (connection, transaction) =>
            {
                var stored = await SqliteDatabase.Command(connection, "SELECT version FROM personas WHERE user_key = $key;", transaction, ("$key", key))
                    .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                PersonaChanges.ThrowIfConflict(change, stored is long version ? version : 0);

                await SqliteDatabase.Command(
                    connection,
                    """
                    INSERT INTO personas (user_key, user_id, version, document) VALUES ($key, $id, $version, $document)
                    ON CONFLICT (user_key) DO UPDATE SET version = excluded.version, document = excluded.document;
                    """,
                    transaction,
                    ("$key", key),
                    ("$id", UserKeys.Encode(userId)),
                    ("$version", change.Updated.Version),
                    ("$document", JsonSerializer.Serialize(change.Updated, AiPersonaJsonContext.Default.Persona))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                foreach (var revision in change.Revisions)
                {
                    await SqliteDatabase.Command(
                        connection,
                        "INSERT INTO persona_revisions (user_key, version, document) VALUES ($key, $version, $document);",
                        transaction,
                        ("$key", key),
                        ("$version", revision.Version),
                        ("$document", JsonSerializer.Serialize(revision, AiPersonaJsonContext.Default.PersonaRevision))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return change.Updated;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await SqliteDatabase.Command(connection, "SELECT document FROM persona_revisions WHERE user_key = $key ORDER BY id;", null, ("$key", key))
                .ReadAllAsync(DbCommandReads.Revision(userId), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
        => UserIdPages.ReadAsync(
            (after, ct) => _database.ReadUserPageAsync("SELECT user_key, user_id FROM personas WHERE user_key > $after ORDER BY user_key LIMIT $limit;", after, ct),
            cancellationToken);

    /// <inheritdoc/>
    public async Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalidField(section, field);
        var key = UserKeys.Of(userId);
        var deleted = 0;
        await _database.InTransactionAsync(
            async (connection, transaction) =>
            {
                // Revisions are JSON documents: the field's are found by reading them, then deleted by id.
                var revisions = await SqliteDatabase.Command(connection, "SELECT id, document FROM persona_revisions WHERE user_key = $key;", transaction, ("$key", key))
                    .ReadAllAsync(DbCommandReads.RevisionWithId(userId), cancellationToken).ConfigureAwait(false);
                var ids = revisions.Where(r => PersonaChanges.IsRevisionOf(r.Revision, section, field)).Select(static r => r.Id).ToList();
                foreach (var id in ids)
                {
                    await SqliteDatabase.Command(connection, "DELETE FROM persona_revisions WHERE user_key = $key AND id = $id;", transaction, ("$key", key), ("$id", id))
                        .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                deleted = ids.Count;
            },
            cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public async Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = UserKeys.Of(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await SqliteDatabase.Command(
                connection,
                "DELETE FROM persona_revisions WHERE user_key = $key; DELETE FROM personas WHERE user_key = $key; DELETE FROM update_leases WHERE user_key = $key;",
                null,
                ("$key", key)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
