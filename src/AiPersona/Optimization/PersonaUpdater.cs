using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Runs one persona update: pending sessions and the current persona go to the optimizer, its edits are
/// validated and applied, the persona is saved, and only then are the sessions marked learned.</summary>
/// <remarks>
/// Any failure before the save (optimizer error, malformed output, repeated concurrent changes) changes nothing and
/// leaves the sessions pending for a later attempt. When someone else saved the persona while the optimizer ran, the
/// edits are applied to their version, except edits of fields they changed, which keep their value. One update per user
/// runs at a time (<see cref="IPersonaUpdateLock"/>); a call that finds the user busy returns
/// <see cref="PersonaUpdateStatus.Busy"/> at once. Pending sessions the persona was already learned from (an update saved
/// it but failed to mark them learned: it names them in <see cref="Persona.LastLearnedSessionIds"/>; or a value cites them,
/// as the application's own edits may) are marked learned without going to the optimizer again.
/// </remarks>
public sealed class PersonaUpdater : IDisposable
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IPersonaStore _store;
    private readonly ISessionManager _sessions;
    private readonly IPersonaOptimizer _optimizer;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PersonaMetrics _metrics;
    private readonly IPersonaUpdateLock _updateLock;
    private Action<Persona>? _saved;

    /// <summary>Initializes a new instance of the <see cref="PersonaUpdater"/> class.</summary>
    /// <param name="store">The persona store.</param>
    /// <param name="sessions">The session manager.</param>
    /// <param name="optimizer">The persona optimizer.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/> for no logging.</param>
    /// <param name="meterFactory">The meter factory, or <see langword="null"/> for a meter owned by this instance.</param>
    /// <param name="updateLock">The lock that keeps one update per user at a time; in-process when <see langword="null"/>.</param>
    public PersonaUpdater(
        IPersonaStore store,
        ISessionManager sessions,
        IPersonaOptimizer optimizer,
        IOptionsMonitor<AiPersonaOptions> options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        IPersonaUpdateLock? updateLock = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _sessions = sessions;
        _optimizer = optimizer;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<PersonaUpdater>() ?? NullLogger.Instance;
        _metrics = new PersonaMetrics(meterFactory);
        _updateLock = updateLock ?? new InProcessPersonaUpdateLock();
    }

    internal PersonaMetrics Metrics => _metrics;

    /// <summary>Adds what to do with each persona this updater saves, as soon as it is saved (the scheduler replaces the
    /// cached persona, so requests carry it even when the app calls <see cref="UpdateAsync"/> itself).</summary>
    internal void OnSaved(Action<Persona> saved) => _saved += saved;

    /// <summary>Updates a user's persona from the oldest <see cref="AiPersonaOptions.SessionsPerUpdate"/> (k) pending
    /// sessions when at least k are pending.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="force"><see langword="true"/> to learn from any number (at least one) of pending sessions.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>What happened; <see cref="PersonaUpdateStatus.Busy"/> when another worker is updating the user.</returns>
    public async Task<PersonaUpdateResult> UpdateAsync(string userId, bool force = false, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        var handle = await _updateLock.TryAcquireAsync(userId, cancellationToken).ConfigureAwait(false);
        if (handle is null)
        {
            return PersonaUpdateResult.Busy();
        }

        await using (handle.ConfigureAwait(false))
        {
            var options = _options.CurrentValue;
            var allPending = await _sessions.GetPendingSessionsAsync(userId, cancellationToken).ConfigureAwait(false);
            if (allPending.Count == 0 || (!force && allPending.Count < options.SessionsPerUpdate))
            {
                return PersonaUpdateResult.NotEnough();
            }

            var userHash = UserIdHash.Of(userId);
            var persona = await _store.GetAsync(userId, cancellationToken).ConfigureAwait(false);

            // An update that saved but never marked its sessions learned (the process stopped between the two writes, or
            // the session store failed) left them pending: those the persona names as learned from, or cites, are learned
            // already, not learned twice.
            var cited = AlreadyLearnedSessionIds(persona, allPending);
            if (cited.Count > 0)
            {
                await _sessions.MarkLearnedAsync(userId, cited, cancellationToken).ConfigureAwait(false);
                Log.CitedSessionsMarkedLearned(_logger, userHash, cited.Count);
                allPending = [.. allPending.Where(s => !cited.Contains(s.Id))];
                if (allPending.Count == 0 || (!force && allPending.Count < options.SessionsPerUpdate))
                {
                    return new PersonaUpdateResult(PersonaUpdateStatus.NoChanges, persona, [], [], [.. cited]);
                }
            }

            // One update learns from the oldest k sessions, as the paper does every k sessions; a backlog is worked off by
            // further updates. A forced update learns from everything pending.
            var pending = force ? allPending : [.. allPending.Take(options.SessionsPerUpdate)];

            using var activity = AiPersonaTelemetry.ActivitySource.StartActivity(AiPersonaTelemetry.UpdateActivity);
            activity?.SetTag(AiPersonaTelemetry.UserTag, userHash);
            activity?.SetTag(AiPersonaTelemetry.SessionCountTag, pending.Count);
            var optimization = await OptimizeAsync(persona, options.Schema, pending, userHash, cancellationToken).ConfigureAwait(false);
            if (!optimization.Succeeded)
            {
                activity?.SetStatus(ActivityStatusCode.Error, optimization.Error);
                return PersonaUpdateResult.Fail(persona, optimization.Error ?? "The optimizer failed.");
            }

            string[] learnedFrom = [.. pending.Select(static s => s.Id)];
            var sessionIds = learnedFrom.ToHashSet(StringComparer.Ordinal);
            var (accepted, rejected) = PersonaEditValidator.Validate(optimization.Edits, options.Schema, sessionIds, options.MaxValueLength, persona);
            rejected.AddRange(DropOverruled(accepted, persona, pending));
            ReportRejected(userId, userHash, rejected);
            accepted.AddRange(NeverStoreRemovals(persona, options.Schema));

            for (var attempt = 1; ; attempt++)
            {
                var change = persona.ApplyEdits(accepted, _time.GetUtcNow());
                if (change.IsEmpty)
                {
                    await _sessions.MarkLearnedAsync(userId, sessionIds, cancellationToken).ConfigureAwait(false);
                    Log.NothingLearned(_logger, userHash, pending.Count, rejected.Count);
                    return new PersonaUpdateResult(PersonaUpdateStatus.NoChanges, persona, [], rejected, [.. sessionIds]);
                }

                // Saved with the persona, so the next update recognises these sessions should marking them learned fail.
                change = change with { Updated = change.Updated.WithLastLearnedSessions(learnedFrom) };

                try
                {
                    var saved = await _store.SaveAsync(change, cancellationToken).ConfigureAwait(false);
                    _saved?.Invoke(saved);
                    await _sessions.MarkLearnedAsync(userId, sessionIds, cancellationToken).ConfigureAwait(false);
                    _metrics.UpdatesApplied.Add(1);
                    Log.PersonaUpdated(_logger, userHash, saved.Version, change.Revisions.Count, rejected.Count, pending.Count);
                    return new PersonaUpdateResult(PersonaUpdateStatus.Applied, saved, change.Revisions, rejected, [.. sessionIds]);
                }
                catch (PersonaConcurrencyException) when (attempt < options.MaxSaveAttempts)
                {
                    Log.SaveConflict(_logger, userHash, attempt);

                    // If another worker learned these sessions meanwhile (an expired lease), applying them again would
                    // learn them twice: stop.
                    var stillPending = await _sessions.GetPendingSessionsAsync(userId, cancellationToken).ConfigureAwait(false);
                    if (!sessionIds.IsSubsetOf(stillPending.Select(static s => s.Id)))
                    {
                        return PersonaUpdateResult.Busy();
                    }

                    // The other worker may have saved and not yet marked them learned: the persona it saved names them.
                    var current = await _store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
                    if (AlreadyLearnedSessionIds(current, pending).Count > 0)
                    {
                        return PersonaUpdateResult.Busy();
                    }

                    // A field someone else changed meanwhile (the application's EditPersonaAsync, say) keeps their value:
                    // the optimizer never saw it, so its edit of that field is dropped.
                    var superseded = accepted.Where(e => !SameValue(persona, current, e.Section, e.Field)).ToList();
                    if (superseded.Count > 0)
                    {
                        var dropped = superseded.Select(static e => new RejectedPersonaEdit(e, "the field was changed concurrently; that value is kept")).ToList();
                        ReportRejected(userId, userHash, dropped);
                        rejected.AddRange(dropped);
                        accepted = [.. accepted.Except(superseded)];
                    }

                    persona = current;
                }
                catch (PersonaConcurrencyException ex)
                {
                    Log.SaveGaveUp(_logger, userHash, attempt);
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    return PersonaUpdateResult.Fail(persona, ex.Message, rejected);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _metrics.Dispose();

    /// <summary>Takes the user's update lock, waiting while an update of the user runs (here or on another instance), for
    /// up to <paramref name="maxWait"/>.</summary>
    /// <returns>The lock, or <see langword="null"/> when it was still held after <paramref name="maxWait"/>.</returns>
    internal async Task<IAsyncDisposable?> WaitForUpdateLockAsync(string userId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            var handle = await _updateLock.TryAcquireAsync(userId, cancellationToken).ConfigureAwait(false);
            if (handle is not null || (maxWait != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(started) >= maxWait))
            {
                return handle;
            }

            await Task.Delay(LockPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    // A value stored before the schema made its field never-store (or one an app saved straight through the store) must not
    // stay: the update that comes next removes it.
    private static List<PersonaEdit> NeverStoreRemovals(Persona persona, PersonaSchema schema)
        => persona.Sections
            .SelectMany(static s => s.Value.Keys.Select(field => (Section: s.Key, Field: field)))
            .Where(f => schema.MatchField(f.Section, f.Field)?.Policy == FieldPolicy.NeverStore)
            .Select(static f => PersonaEdit.Remove(f.Section, f.Field, "the schema marks this field never-store"))
            .ToList();

    private async Task<PersonaOptimizationResult> OptimizeAsync(
        Persona persona,
        PersonaSchema schema,
        IReadOnlyList<ConversationSession> pending,
        string userHash,
        CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var timeout = _options.CurrentValue.OptimizerTimeout;
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        PersonaOptimizationResult result;
        try
        {
            result = await _optimizer.OptimizeAsync(new PersonaOptimizationRequest(persona, schema, pending), linked.Token).ConfigureAwait(false)
                ?? PersonaOptimizationResult.Failure("The optimizer returned no result.");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            result = PersonaOptimizationResult.Failure($"The optimizer did not answer within {timeout} (AiPersonaOptions.OptimizerTimeout).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.OptimizerThrew(_logger, ex, userHash, pending.Count);
            result = PersonaOptimizationResult.Failure($"The optimizer threw {ex.GetType().Name}: {ex.Message}");
            _metrics.OptimizerFailures.Add(1);
            return result;
        }
        finally
        {
            _metrics.OptimizerDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
        }

        if (!result.Succeeded)
        {
            _metrics.OptimizerFailures.Add(1);
            Log.OptimizerFailed(_logger, userHash, pending.Count, result.Error ?? string.Empty);
        }

        return result;
    }

    private static HashSet<string> AlreadyLearnedSessionIds(Persona persona, IReadOnlyList<ConversationSession> pending)
    {
        var pendingIds = pending.Select(static s => s.Id).ToHashSet(StringComparer.Ordinal);
        return persona.Sections.Values
            .SelectMany(static fields => fields.Values)
            .SelectMany(static value => value.SourceSessionIds)
            .Concat(persona.LastLearnedSessionIds)
            .Where(pendingIds.Contains)
            .ToHashSet(StringComparer.Ordinal);
    }

    // The user corrected the field (or had it forgotten) after every session the edit rests on: those sessions hold what
    // the user corrected, so they do not overrule it. A session active after the correction may.
    private static List<RejectedPersonaEdit> DropOverruled(List<PersonaEdit> accepted, Persona persona, IReadOnlyList<ConversationSession> sessions)
    {
        var lastActivity = sessions.ToDictionary(static s => s.Id, static s => s.LastActivityAt, StringComparer.Ordinal);
        var overruled = accepted
            .Where(e => persona.GetCorrectedAt(e.Section, e.Field) is { } correctedAt
                && (e.SourceSessionIds ?? []).All(id => lastActivity.TryGetValue(id, out var at) && at <= correctedAt))
            .ToList();
        accepted.RemoveAll(overruled.Contains);
        return [.. overruled.Select(static e => new RejectedPersonaEdit(e, "the application changed the field after the sessions the edit rests on (the user's own correction)"))];
    }

    private static bool SameValue(Persona before, Persona after, string section, string field)
        => string.Equals(before.GetValue(section, field)?.Value, after.GetValue(section, field)?.Value, StringComparison.Ordinal);

    private void ReportRejected(string userId, string userHash, List<RejectedPersonaEdit> rejected)
    {
        if (rejected.Count == 0)
        {
            return;
        }

        _metrics.EditsRejected.Add(rejected.Count);
        foreach (var item in rejected)
        {
            Log.EditRejected(_logger, userHash, item.Edit.Section, item.Edit.Field, item.Reason);
            Log.EditRejectedValue(_logger, userId, item.Edit.Section, item.Edit.Field, item.Edit.Value);
        }
    }
}
