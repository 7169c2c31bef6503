using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Keeps sessions as JSON files: <c>sessions/&lt;user key&gt;/&lt;state&gt;/&lt;session id&gt;.json</c> under the root.</summary>
/// <remarks>
/// The folder a session file sits in is its state, so counting pending sessions is a directory listing and a state
/// change is an atomic rename. Every write is atomic; nothing outside the root directory is touched.
/// </remarks>
public sealed class FileSystemSessionStore : ISessionStore
{
    private const string FolderName = "sessions";
    private const string UserFileName = "user.json";
    private static readonly System.Buffers.SearchValues<char> SessionIdCharacters = System.Buffers.SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");
    private readonly string _root;
    private readonly UserFileGate _gate = new();

    /// <summary>Initializes a new instance of the <see cref="FileSystemSessionStore"/> class.</summary>
    /// <param name="options">The options; <see cref="FileSystemStorageOptions.RootDirectory"/> is created if missing.</param>
    public FileSystemSessionStore(IOptions<FileSystemStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = StoragePaths.PrepareRoot(options.Value.RootDirectory);
    }

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        // Session ids increase over time, so the greatest file name is the latest session. A user has at most one open
        // session and it is the latest, so during a session no other folder is listed: the learned folder grows with the
        // user's whole history and is listed only when a new session starts.
        var latestId = GreatestSessionId(userId, SessionState.Open);
        if (latestId is null)
        {
            var completed = GreatestSessionId(userId, SessionState.Completed);
            var learned = GreatestSessionId(userId, SessionState.Learned);
            latestId = completed is null || (learned is not null && string.CompareOrdinal(learned, completed) > 0) ? learned : completed;
        }

        return latestId is null ? null : await ReadRequiredAsync(userId, latestId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ConversationSession?> GetLatestSessionOfConversationAsync(string userId, string? conversationId, string? beforeSessionId = null, CancellationToken cancellationToken = default)
    {
        // Newest first (file names are session ids, which increase over time), reading until the conversation shows up;
        // under the user's lock, so no session moves to another state folder while the folders are read.
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var files = Enum.GetValues<SessionState>()
                .SelectMany(state => SessionFiles(userId, state).Select(file => (File: file, State: state)))
                .Where(f => beforeSessionId is null || string.CompareOrdinal(Path.GetFileNameWithoutExtension(f.File), beforeSessionId) < 0)
                .OrderByDescending(static f => Path.GetFileName(f.File), StringComparer.Ordinal)
                .ToList();
            foreach (var (file, state) in files)
            {
                ConversationSession? session;
                try
                {
                    session = await ReadSessionAsync(userId, file, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException)
                {
                    // A damaged file of some other session must not stop the turn being recorded; reading the user's
                    // sessions for an update still reports it.
                    continue;
                }

                if (session is not null && string.Equals(session.ConversationId, conversationId, StringComparison.Ordinal))
                {
                    return session with { State = state };
                }
            }

            return null;
        }
    }

    /// <inheritdoc/>
    public async Task CreateAsync(ConversationSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var userId = session.UserId;
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var userFile = UserPath(userId, UserFileName);
            if (!File.Exists(userFile))
            {
                await AtomicFile.WriteAsync(
                    userFile,
                    (stream, ct) => JsonSerializer.SerializeAsync(stream, userId, AiPersonaJsonContext.Default.String, ct),
                    cancellationToken).ConfigureAwait(false);
            }

            if (FindFile(userId, session.Id) is not null)
            {
                throw new InvalidOperationException($"Session '{session.Id}' already exists.");
            }

            foreach (var open in await ReadFolderAsync(userId, SessionState.Open, cancellationToken).ConfigureAwait(false))
            {
                await MoveAsync(open, open with { State = SessionState.Completed, EndedAt = session.StartedAt }, cancellationToken).ConfigureAwait(false);
            }

            await WriteAsync(session, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task AppendMessagesAsync(string userId, string sessionId, IReadOnlyList<SessionMessage> messages, DateTimeOffset activityAt, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var session = await ReadRequiredAsync(userId, sessionId, cancellationToken).ConfigureAwait(false);
            if (session.State != SessionState.Open)
            {
                throw new InvalidOperationException($"Session '{sessionId}' is not open.");
            }

            await WriteAsync(session with { Messages = [.. session.Messages, .. messages], LastActivityAt = activityAt, ConversationId = conversationId ?? session.ConversationId }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task CompleteAsync(string userId, string sessionId, DateTimeOffset endedAt, CancellationToken cancellationToken = default)
    {
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var session = await ReadRequiredAsync(userId, sessionId, cancellationToken).ConfigureAwait(false);
            if (session.State == SessionState.Open)
            {
                await MoveAsync(session, session with { State = SessionState.Completed, EndedAt = endedAt }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task MarkLearnedAsync(string userId, IReadOnlyCollection<string> sessionIds, DateTimeOffset learnedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionIds);
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            foreach (var session in await ReadFolderAsync(userId, SessionState.Completed, cancellationToken).ConfigureAwait(false))
            {
                if (sessionIds.Contains(session.Id))
                {
                    await MoveAsync(session, session with { State = SessionState.Learned, LearnedAt = learnedAt }, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc/>
    public async Task<int> DeleteLearnedSessionsAsync(string userId, DateTimeOffset learnedAtOrBefore, string? keepSessionId, CancellationToken cancellationToken = default)
    {
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var deleted = 0;
            foreach (var session in await ReadFolderAsync(userId, SessionState.Learned, cancellationToken).ConfigureAwait(false))
            {
                if (session.LearnedAt <= learnedAtOrBefore && session.Id != keepSessionId)
                {
                    File.Delete(SessionPath(session));
                    DeleteLeftovers(userId, session.Id);
                    deleted++;
                }
            }

            return deleted;
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            // An id no file name can hold names no session of this store.
            if (!IsFileNameSafe(sessionId) || FindFile(userId, sessionId) is not { } found)
            {
                return false;
            }

            File.Delete(found.File);
            DeleteLeftovers(userId, sessionId);
            return true;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, SessionState? state = null, CancellationToken cancellationToken = default)
    {
        if (state is { } only)
        {
            return await ReadFolderAsync(userId, only, cancellationToken).ConfigureAwait(false);
        }

        var all = new List<ConversationSession>();
        foreach (var each in Enum.GetValues<SessionState>())
        {
            all.AddRange(await ReadFolderAsync(userId, each, cancellationToken).ConfigureAwait(false));
        }

        return [.. all.OrderBy(static s => s.StartedAt).ThenBy(static s => s.Id, StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public Task<int> CountSessionsAsync(string userId, SessionState state, CancellationToken cancellationToken = default)
        => Task.FromResult(SessionFiles(userId, state).Length);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumCompleted = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCompleted);

        // Only the folders of users with open or completed sessions are opened further: a start-up recovery then reads
        // one small file per user with work, not one per user ever seen.
        // A folder whose user cannot be told (its user file and every session file damaged) holds no session an update
        // could read: it is passed over here, left as it is, and still reported by GetUserIdsAsync.
        var users = new List<string>();
        await foreach (var userId in UserIdsAsync(
            userFolder => (HasSessionFiles(userFolder, SessionState.Open) || HasSessionFiles(userFolder, SessionState.Completed))
                && (minimumCompleted == 0 || CountSessionFiles(userFolder, SessionState.Completed) >= minimumCompleted),
            skipUnknownUsers: true,
            cancellationToken).ConfigureAwait(false))
        {
            users.Add(userId);
        }

        return users;
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
        => UserIdsAsync(static userFolder => Enum.GetValues<SessionState>().Any(state => HasSessionFiles(userFolder, state)), skipUnknownUsers: false, cancellationToken);

    /// <inheritdoc/>
    public async Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var lockPath = LockPath(userId);
        using (await EnterAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var folder = UserPath(userId);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            File.Delete(StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId) + ".lock"));
            File.Delete(lockPath);
        }
    }

    private Task<IDisposable> EnterAsync(string userId, CancellationToken cancellationToken) => _gate.EnterAsync(LockPath(userId), cancellationToken);

    // A write that a crash cut short leaves a temporary copy of the session beside its file, in the folder of the state
    // the session was in then: deleting the session deletes those copies too, as they hold what the user said.
    private void DeleteLeftovers(string userId, string sessionId)
    {
        foreach (var state in Enum.GetValues<SessionState>())
        {
            AtomicFile.DeleteLeftovers(UserPath(userId, state.ToString().ToLowerInvariant(), SessionFileName(sessionId)));
        }
    }

    private async Task<List<ConversationSession>> ReadFolderAsync(string userId, SessionState state, CancellationToken cancellationToken)
    {
        var sessions = new List<ConversationSession>();
        foreach (var file in SessionFiles(userId, state))
        {
            var session = await ReadSessionAsync(userId, file, cancellationToken).ConfigureAwait(false);
            if (session is not null)
            {
                sessions.Add(session with { State = state });
            }
        }

        sessions.Sort(static (a, b) => a.StartedAt != b.StartedAt ? a.StartedAt.CompareTo(b.StartedAt) : string.CompareOrdinal(a.Id, b.Id));
        return sessions;
    }

    private async Task<ConversationSession> ReadRequiredAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        var (file, state) = FindFile(userId, sessionId) ?? throw new InvalidOperationException($"Session '{sessionId}' does not exist.");
        var session = await ReadSessionAsync(userId, file, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Session '{sessionId}' does not exist.");
        return session with { State = state };
    }

    private (string File, SessionState State)? FindFile(string userId, string sessionId)
    {
        var name = SessionFileName(sessionId);
        foreach (var state in Enum.GetValues<SessionState>())
        {
            var path = UserPath(userId, state.ToString().ToLowerInvariant(), name);
            if (File.Exists(path))
            {
                return (path, state);
            }
        }

        return null;
    }

    private static async Task<ConversationSession?> ReadSessionAsync(string userId, string file, CancellationToken cancellationToken)
    {
        var session = await ReadJsonAsync(file, AiPersonaJsonContext.Default.ConversationSession, cancellationToken).ConfigureAwait(false);
        if (session is not null && !string.Equals(session.UserId, userId, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The session file '{file}' belongs to another user id, and was left as it is.");
        }

        return session?.Messages.Any(static m => m is null) == true
            ? throw new InvalidDataException($"The session file '{file}' is damaged and was left as it is: its messages hold a null.")
            : session;
    }

    private static async Task<T?> ReadJsonAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"The session file '{path}' holds no data (JSON null) and was left as it is.");
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Moved to another state folder between listing and reading, or its user was deleted meanwhile.
            return default;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // ArgumentException: JSON of the right shape holding what a session cannot (a null message, a blank id).
            throw new InvalidDataException($"The session file '{path}' is damaged and was left as it is: {ex.Message}", ex);
        }
    }

    private Task WriteAsync(ConversationSession session, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(
            SessionPath(session),
            (stream, ct) => JsonSerializer.SerializeAsync(stream, session, AiPersonaJsonContext.Default.ConversationSession, ct),
            cancellationToken);

    // Rewrites the file in place with its new content, then renames it into the folder of its new state: a crash between
    // the two steps leaves the session in its old state, to be moved again by the next attempt.
    private async Task MoveAsync(ConversationSession from, ConversationSession to, CancellationToken cancellationToken)
    {
        var source = SessionPath(from);
        await AtomicFile.WriteAsync(
            source,
            (stream, ct) => JsonSerializer.SerializeAsync(stream, to, AiPersonaJsonContext.Default.ConversationSession, ct),
            cancellationToken).ConfigureAwait(false);
        var target = SessionPath(to);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(source, target, overwrite: true);
    }

    private string? GreatestSessionId(string userId, SessionState state)
    {
        string? greatest = null;
        foreach (var file in SessionFiles(userId, state))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (greatest is null || string.CompareOrdinal(id, greatest) > 0)
            {
                greatest = id;
            }
        }

        return greatest;
    }

    // The users whose folder the filter accepts, read from the folder's user file, each once: a folder still under its
    // legacy name beside the current one holds no session the store reads.
    private async IAsyncEnumerable<string> UserIdsAsync(Func<string, bool> include, bool skipUnknownUsers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = StoragePaths.Combine(_root, FolderName);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var userFolder in Directory.EnumerateDirectories(folder))
        {
            var userFile = Path.Combine(userFolder, UserFileName);
            if (!include(userFolder) || !File.Exists(userFile))
            {
                continue;
            }

            string? userId;
            try
            {
                userId = await ReadUserIdAsync(userFolder, userFile, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException) when (skipUnknownUsers)
            {
                continue;
            }

            if (userId is not null && seen.Add(userId))
            {
                yield return userId;
            }
        }
    }

    // The user file names the folder's user. A damaged one is left as it is, and the user is told by a session file that
    // belongs to the folder (its user id maps to the folder's name), so one damaged file hides none of the user's sessions.
    private static async Task<string?> ReadUserIdAsync(string userFolder, string userFile, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadJsonAsync(userFile, AiPersonaJsonContext.Default.String, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            var key = Path.GetFileName(userFolder);
            foreach (var state in Enum.GetValues<SessionState>())
            {
                foreach (var file in JsonFiles(Path.Combine(userFolder, state.ToString().ToLowerInvariant())))
                {
                    ConversationSession? session;
                    try
                    {
                        session = await ReadJsonAsync(file, AiPersonaJsonContext.Default.ConversationSession, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException)
                    {
                        continue;
                    }

                    if (session is not null && UserIds.IsValid(session.UserId)
                        && (StoragePaths.GetUserKey(session.UserId) == key || StoragePaths.GetLegacyUserKey(session.UserId) == key))
                    {
                        return session.UserId;
                    }
                }
            }

            throw;
        }
    }

    private static bool HasSessionFiles(string userFolder, SessionState state)
    {
        try
        {
            return Directory.EnumerateFiles(Path.Combine(userFolder, state.ToString().ToLowerInvariant()), "*.json").Any();
        }
        catch (DirectoryNotFoundException)
        {
            return false; // see JsonFiles
        }
    }

    private static int CountSessionFiles(string userFolder, SessionState state)
        => JsonFiles(Path.Combine(userFolder, state.ToString().ToLowerInvariant())).Length;

    private string[] SessionFiles(string userId, SessionState state) => JsonFiles(UserPath(userId, state.ToString().ToLowerInvariant()));

    // Listing and reading take no lock (a sweep must not wait on every user), so a folder can vanish while it is listed,
    // when its user is deleted meanwhile: it then holds nothing, as it would a moment later.
    private static string[] JsonFiles(string folder)
    {
        try
        {
            return Directory.GetFiles(folder, "*.json");
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private string SessionPath(ConversationSession session)
        => UserPath(session.UserId, session.State.ToString().ToLowerInvariant(), SessionFileName(session.Id));

    private static string SessionFileName(string sessionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        return IsFileNameSafe(sessionId)
            ? sessionId + ".json"
            : throw new ArgumentException("Session ids used with the file-system store may contain only ASCII letters, digits, '-' and '_'.", nameof(sessionId));
    }

    private static bool IsFileNameSafe(string sessionId)
        => !string.IsNullOrEmpty(sessionId) && !sessionId.AsSpan().ContainsAnyExcept(SessionIdCharacters);

    // Every path of a user goes through here, so a folder written under the legacy name is adopted before first use.
    private string UserPath(string userId, params ReadOnlySpan<string> parts)
    {
        var all = new string[parts.Length + 2];
        all[0] = FolderName;
        all[1] = StoragePaths.GetUserKey(userId);
        parts.CopyTo(all.AsSpan(2));
        if (!Directory.Exists(Path.Combine(_root, FolderName, all[1])))
        {
            StoragePaths.AdoptLegacy(
                StoragePaths.Combine(_root, FolderName, StoragePaths.GetLegacyUserKey(userId)),
                StoragePaths.Combine(_root, FolderName, all[1]));
        }

        return StoragePaths.Combine(_root, all);
    }

    private string LockPath(string userId) => StoragePaths.Combine(_root, FolderName, StoragePaths.GetUserKey(userId) + ".lock");
}
