using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona;

/// <summary>Copies everything AiPersona stores from one backend to another: each persona with its version and whole
/// revision history (so every value keeps its provenance), and each session with its messages, times and state (pending
/// sessions stay pending, learned ones learned). For moving an app from the file system to SQLite, or from SQLite to
/// PostgreSQL, without losing what it learned.</summary>
/// <remarks>
/// Run it while no app instance uses either store: stop the app, copy, start it on the new store. It never overwrites
/// anything: a user whose persona the target holds differently, or for whom the target holds sessions the source does
/// not, is reported in <see cref="StorageCopyResult.Conflicts"/> and that part of their data is left as it is. It can be
/// run again after an interruption (or to check a finished copy): what the target already holds is recognised and only
/// the rest is written. Update leases are not copied; they are only held while an update runs.
/// </remarks>
public static class AiPersonaStorageCopy
{
    /// <summary>Copies every user's persona, history and sessions from the stores one service provider resolves into the
    /// stores another resolves: build each with <c>AddAiPersona()</c> and the <c>Use…</c> call of its backend.</summary>
    /// <param name="source">The services of the backend to copy from; its stores are only read.</param>
    /// <param name="target">The services of the backend to copy into.</param>
    /// <param name="progress">Told the totals so far after each user's persona and after each user's sessions, if given.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests. A cancelled copy can be run again.</param>
    /// <returns>What was copied, what was already there, and the users left alone.</returns>
    /// <exception cref="ArgumentException">Both resolve the same store instance.</exception>
    public static Task<StorageCopyResult> CopyAsync(
        IServiceProvider source,
        IServiceProvider target,
        IProgress<StorageCopyResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return CopyAsync(
            source.GetRequiredService<IPersonaStore>(),
            source.GetRequiredService<ISessionStore>(),
            target.GetRequiredService<IPersonaStore>(),
            target.GetRequiredService<ISessionStore>(),
            progress,
            cancellationToken);
    }

    /// <summary>Copies every user's persona, history and sessions from the source stores into the target stores.</summary>
    /// <param name="sourcePersonas">The persona store to copy from; it is only read.</param>
    /// <param name="sourceSessions">The session store to copy from; it is only read.</param>
    /// <param name="targetPersonas">The persona store to copy into.</param>
    /// <param name="targetSessions">The session store to copy into.</param>
    /// <param name="progress">Told the totals so far after each user's persona and after each user's sessions, if given.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests. A cancelled copy can be run again.</param>
    /// <returns>What was copied, what was already there, and the users left alone.</returns>
    /// <exception cref="ArgumentException">A source store is also the target store.</exception>
    public static async Task<StorageCopyResult> CopyAsync(
        IPersonaStore sourcePersonas,
        ISessionStore sourceSessions,
        IPersonaStore targetPersonas,
        ISessionStore targetSessions,
        IProgress<StorageCopyResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourcePersonas);
        ArgumentNullException.ThrowIfNull(sourceSessions);
        ArgumentNullException.ThrowIfNull(targetPersonas);
        ArgumentNullException.ThrowIfNull(targetSessions);
        if (ReferenceEquals(sourcePersonas, targetPersonas) || ReferenceEquals(sourceSessions, targetSessions))
        {
            throw new ArgumentException("The source and the target are the same store instance: give the stores of the backend to copy into.");
        }

        var conflicts = new List<StorageCopyConflict>();
        var (personasCopied, personasPresent) = await CopyEachAsync(
            sourcePersonas.GetUserIdsAsync(cancellationToken),
            userId => CopyPersonaAsync(userId, sourcePersonas, targetPersonas, cancellationToken),
            conflicts,
            (copied, present) => progress?.Report(new StorageCopyResult(copied, present, 0, 0, [.. conflicts])),
            cancellationToken).ConfigureAwait(false);
        var (sessionsCopied, sessionsPresent) = await CopyEachAsync(
            sourceSessions.GetUserIdsAsync(cancellationToken),
            userId => CopySessionsAsync(userId, sourceSessions, targetSessions, cancellationToken),
            conflicts,
            (copied, present) => progress?.Report(new StorageCopyResult(personasCopied, personasPresent, copied, present, [.. conflicts])),
            cancellationToken).ConfigureAwait(false);
        return new StorageCopyResult(personasCopied, personasPresent, sessionsCopied, sessionsPresent, conflicts);
    }

    // Copies one part of every listed user's data, adding up what was copied and what was there, collecting conflicts, and
    // reporting the totals after each user.
    private static async Task<(int Copied, int Present)> CopyEachAsync(
        IAsyncEnumerable<string> userIds,
        Func<string, Task<(int Copied, int Present, string? Conflict)>> copy,
        List<StorageCopyConflict> conflicts,
        Action<int, int> reportSoFar,
        CancellationToken cancellationToken)
    {
        int copiedInAll = 0, presentInAll = 0;
        await foreach (var userId in userIds.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var (copied, present, conflict) = await copy(userId).ConfigureAwait(false);
            if (conflict is not null)
            {
                conflicts.Add(new StorageCopyConflict(userId, conflict));
            }

            copiedInAll += copied;
            presentInAll += present;
            reportSoFar(copiedInAll, presentInAll);
        }

        return (copiedInAll, presentInAll);
    }

    // Returns whether the persona was written (1, 0) or was already there (0, 1), or why it was left alone.
    private static async Task<(int Copied, int Present, string? Conflict)> CopyPersonaAsync(string userId, IPersonaStore source, IPersonaStore target, CancellationToken cancellationToken)
    {
        var persona = await source.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        if (persona.Version == 0)
        {
            return (0, 0, null); // deleted from the source since it was listed
        }

        var present = await target.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        if (present.Version != 0)
        {
            return present.Version == persona.Version && Json(present) == Json(persona)
                ? (0, 1, null)
                : (0, 0, $"the target already holds version {present.Version} of the persona, which differs from the source's version {persona.Version}");
        }

        var history = await source.GetHistoryAsync(userId, cancellationToken).ConfigureAwait(false);
        try
        {
            await target.SaveAsync(new PersonaChange(0, persona, history), cancellationToken).ConfigureAwait(false);
            return (1, 0, null);
        }
        catch (PersonaConcurrencyException)
        {
            return (0, 0, "the target's persona was written by someone else during the copy");
        }
    }

    // The target may hold the start of the user's sessions, from a copy that was interrupted (the last of them perhaps not
    // yet in its final state): those are brought up to the source's state and the rest is created, oldest first, so that
    // the latest session keeps the greatest id. Anything else in the target is a conflict, found before anything is written.
    private static async Task<(int Copied, int Present, string? Conflict)> CopySessionsAsync(string userId, ISessionStore source, ISessionStore target, CancellationToken cancellationToken)
    {
        var sessions = (await source.GetSessionsAsync(userId, null, cancellationToken).ConfigureAwait(false))
            .OrderBy(static s => s.Id, StringComparer.Ordinal)
            .ToList();
        var present = (await target.GetSessionsAsync(userId, null, cancellationToken).ConfigureAwait(false))
            .OrderBy(static s => s.Id, StringComparer.Ordinal)
            .ToList();
        if (Conflict(sessions, present) is { } conflict)
        {
            return (0, 0, conflict);
        }

        for (var i = 0; i < sessions.Count; i++)
        {
            var session = sessions[i];
            var state = i < present.Count ? present[i].State : (SessionState?)null;
            if (state is null)
            {
                await target.CreateAsync(session with { State = SessionState.Open, EndedAt = null, LearnedAt = null }, cancellationToken).ConfigureAwait(false);
                state = SessionState.Open;
            }

            var endedAt = session.EndedAt ?? session.LastActivityAt;
            if (state == SessionState.Open && session.State != SessionState.Open)
            {
                await target.CompleteAsync(userId, session.Id, endedAt, cancellationToken).ConfigureAwait(false);
                state = SessionState.Completed;
            }

            if (state == SessionState.Completed && session.State == SessionState.Learned)
            {
                await target.MarkLearnedAsync(userId, [session.Id], session.LearnedAt ?? endedAt, cancellationToken).ConfigureAwait(false);
            }
        }

        return (sessions.Count - present.Count, present.Count, null);
    }

    private static string? Conflict(List<ConversationSession> sessions, List<ConversationSession> present)
    {
        if (present.Count > sessions.Count)
        {
            return $"the target holds {present.Count} sessions of the user, the source {sessions.Count}";
        }

        for (var i = 0; i < present.Count; i++)
        {
            var (expected, found) = (sessions[i], present[i]);
            if (!string.Equals(expected.Id, found.Id, StringComparison.Ordinal))
            {
                return $"the target holds session '{found.Id}', which the source does not have at that place";
            }

            if (found.State > expected.State)
            {
                return $"the target's session '{found.Id}' is {found.State}, further on than the source's ({expected.State})";
            }

            if (!SameMessages(expected.Messages, found.Messages))
            {
                return $"the target's session '{found.Id}' holds other messages than the source's";
            }
        }

        return null;
    }

    // Roles and texts; times may lose precision in a database (PostgreSQL keeps microseconds).
    private static bool SameMessages(IReadOnlyList<SessionMessage> a, IReadOnlyList<SessionMessage> b)
        => a.Count == b.Count
            && a.Zip(b).All(static p => string.Equals(p.First.Role, p.Second.Role, StringComparison.Ordinal) && string.Equals(p.First.Text, p.Second.Text, StringComparison.Ordinal));

    private static string Json(Persona persona) => JsonSerializer.Serialize(persona, AiPersonaJsonContext.Default.Persona);
}
