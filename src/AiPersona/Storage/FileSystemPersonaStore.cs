using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Keeps one JSON document per user (persona and history) under a root directory.</summary>
/// <remarks>
/// Every user id maps to a safe file name, and no path outside the root is ever touched. Writes are atomic (write a
/// temporary file, flush, rename), so a crash leaves the old document or the new one. Saves are serialized per user
/// within the process and, through an OS file lock, across processes sharing the directory.
/// </remarks>
public sealed class FileSystemPersonaStore : IPersonaStore
{
    private const string FolderName = "personas";
    private readonly string _root;
    private readonly UserFileGate _gate = new();

    /// <summary>Initializes a new instance of the <see cref="FileSystemPersonaStore"/> class.</summary>
    /// <param name="options">The options; <see cref="FileSystemStorageOptions.RootDirectory"/> is created if missing.</param>
    public FileSystemPersonaStore(IOptions<FileSystemStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = StoragePaths.PrepareRoot(options.Value.RootDirectory);
    }

    /// <inheritdoc/>
    public async Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var document = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
        return document?.Persona ?? Persona.CreateEmpty(userId);
    }

    /// <inheritdoc/>
    public async Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalid(change);
        var userId = change.Updated.UserId;
        using (await _gate.EnterAsync(LockPath(userId), cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
            PersonaChanges.ThrowIfConflict(change, current?.Persona.Version ?? 0);
            await WriteAsync(new PersonaDocument(userId, change.Updated, [.. current?.History ?? [], .. change.Revisions]), cancellationToken).ConfigureAwait(false);
            return change.Updated;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default)
    {
        var document = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
        return document?.History ?? [];
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> GetUserIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var folder = StoragePaths.Combine(_root, FolderName);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        // Each document names its user. A document still under its legacy name beside the current one is not the one the
        // store reads: its user is listed once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            var userId = await ReadUserIdAsync(file, cancellationToken).ConfigureAwait(false);
            if (userId is not null && seen.Add(userId))
            {
                yield return userId;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalidField(section, field);
        using (await _gate.EnterAsync(LockPath(userId), cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return 0;
            }

            List<PersonaRevision> kept = [.. current.History.Where(r => !PersonaChanges.IsRevisionOf(r, section, field))];
            var deleted = current.History.Count - kept.Count;
            if (deleted > 0)
            {
                await WriteAsync(current with { History = kept }, cancellationToken).ConfigureAwait(false);
            }

            // A save a crash cut short may have left a copy of the document that still holds the field. (This lists the
            // folder of every user's persona: a cost paid when a user has a field forgotten, not on every save.)
            AtomicFile.DeleteLeftovers(DocumentPath(userId));

            return deleted;
        }
    }

    /// <inheritdoc/>
    public async Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var lockPath = LockPath(userId);
        using (await _gate.EnterAsync(lockPath, cancellationToken).ConfigureAwait(false))
        {
            File.Delete(DocumentPath(userId));
            AtomicFile.DeleteLeftovers(DocumentPath(userId)); // copies that saves a crash cut short left behind
            File.Delete(lockPath);
            File.Delete(StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId) + ".json"));
            AtomicFile.DeleteLeftovers(StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId) + ".json"));
            File.Delete(StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId) + ".lock"));
            DeleteUpdateLockFile(FileSystemPersonaUpdateLock.LockPath(_root, userId));
        }
    }

    // ForgetUserAsync holds the user's update lock while it deletes. Unix unlinks the open lock file; Windows refuses to
    // delete a file open without sharing, and the empty file is then left for the next forget.
    private static void DeleteUpdateLockFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task<PersonaDocument?> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        var path = DocumentPath(userId);
        if (!File.Exists(path))
        {
            StoragePaths.AdoptLegacy(StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId) + ".json"), path);
        }

        var document = await ReadDocumentAsync(path, cancellationToken).ConfigureAwait(false);
        if (document is not null && !string.Equals(document.UserId, userId, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The persona file '{path}' belongs to another user id, and was left as it is.");
        }

        return document;
    }

    private static async Task<string?> ReadUserIdAsync(string path, CancellationToken cancellationToken)
        => (await ReadDocumentAsync(path, cancellationToken).ConfigureAwait(false))?.UserId;

    // Null when there is no file; a damaged file is never overwritten: saves read the document first, so they fail too
    // until the file is repaired.
    private static async Task<PersonaDocument?> ReadDocumentAsync(string path, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            PersonaDocument? read;
            try
            {
                read = await JsonSerializer.DeserializeAsync(stream, AiPersonaJsonContext.Default.PersonaDocument, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException)
            {
                // ArgumentException: JSON of the right shape holding what a persona cannot (a null value, a blank name).
                throw new InvalidDataException($"The persona file '{path}' is damaged and was left as it is: {ex.Message}", ex);
            }

            if (read is null)
            {
                throw new InvalidDataException($"The persona file '{path}' holds no persona (JSON null) and was left as it is.");
            }

            return read.History.Any(static r => r is null)
                ? throw new InvalidDataException($"The persona file '{path}' is damaged and was left as it is: its history holds a null revision.")
                : read;
        }
    }

    private Task WriteAsync(PersonaDocument document, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(
            DocumentPath(document.UserId),
            (stream, ct) => JsonSerializer.SerializeAsync(stream, document, AiPersonaJsonContext.Default.PersonaDocument, ct),
            cancellationToken);

    private string DocumentPath(string userId) => StoragePaths.Combine(_root, FolderName, StoragePaths.GetUserKey(userId) + ".json");

    private string LockPath(string userId) => StoragePaths.Combine(_root, FolderName, StoragePaths.GetUserKey(userId) + ".lock");
}
