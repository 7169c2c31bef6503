using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Runs persona updates when users are due: in the background by default (at most one update per user at a
/// time, and at most <see cref="AiPersonaOptions.MaxConcurrentUpdates"/> in all), or inline. Work that a restart
/// interrupted is found again from the session store.</summary>
/// <remarks>
/// Disposing the scheduler stops new work, lets running updates finish for up to
/// <see cref="AiPersonaOptions.ShutdownTimeout"/> (asynchronous disposal) and then cancels them. A cancelled or failed
/// update changes nothing: its sessions stay pending and are retried after <see cref="AiPersonaOptions.UpdateRetryDelay"/>,
/// doubled for each further consecutive failure of the same user, up to 64 times that delay. A user's failures are
/// forgotten on a success, or once 64 times the delay has passed since their retry fell due.
/// </remarks>
public sealed class PersonaUpdateScheduler : IAsyncDisposable, IDisposable
{
    private const int MaxRetryDoublings = 6; // the retry delay grows up to 2^6 = 64 times UpdateRetryDelay

    private readonly PersonaUpdater _updater;
    private readonly ISessionManager _sessions;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Dictionary<string, Work> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset After, int Failures)> _retryAfter = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _slots;
    private int _waitingForSlot;
    private DateTimeOffset _nextRetryPrune;
    private Task? _recovery;
    private bool _disposed;

    internal PersonaUpdateScheduler(
        PersonaUpdater updater,
        ISessionManager sessions,
        PersonaCache cache,
        IOptionsMonitor<AiPersonaOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<PersonaUpdateScheduler>? logger = null)
    {
        _updater = updater;
        _sessions = sessions;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<PersonaUpdateScheduler>.Instance;
        var slots = options.CurrentValue.MaxConcurrentUpdates;
        _slots = new SemaphoreSlim(slots);
        updater.Metrics.ObserveScheduler(() => slots - _slots.CurrentCount, () => UpdatesWaitingForSlot);

        // Each saved persona replaces the cached one as soon as it is saved, for the updates this scheduler runs and for
        // those the app runs itself through the same updater (UpdateAsync, a "learn now" button).
        updater.OnSaved(cache.Set);
    }

    /// <summary>Gets how many background updates are queued behind <see cref="AiPersonaOptions.MaxConcurrentUpdates"/>.</summary>
    internal int UpdatesWaitingForSlot => Volatile.Read(ref _waitingForSlot);

    /// <summary>Gets how many users' failed updates are remembered for their retry delay.</summary>
    internal int UsersWithRetryDelay
    {
        get
        {
            lock (_lock)
            {
                return _retryAfter.Count;
            }
        }
    }

    /// <summary>Runs the user's due updates: in the background (returns at once) or, in inline mode, before returning.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests (inline mode).</param>
    /// <returns>A task that completes when the work is queued (background) or done (inline).</returns>
    public Task RequestUpdateAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        if (_options.CurrentValue.UpdateMode == PersonaUpdateMode.Inline)
        {
            return RunDueUpdatesAsync(userId, cancellationToken);
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }

            if (_running.TryGetValue(userId, out var work))
            {
                // Sessions may have completed after the running update read them: look again when it ends.
                work.Again = true;
                return Task.CompletedTask;
            }

            work = new Work();
            _running[userId] = work;
            work.Task = Task.Run(() => RunInBackgroundAsync(userId, work), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Requests an update for every user with k sessions pending, counting an open session that has been idle
    /// past <see cref="AiPersonaOptions.SessionIdleTimeout"/> (which this completes): work a restart interrupted resumes,
    /// and, called now and then, users who left after their k-th session are learned before they come back.</summary>
    /// <remarks>The session store lists only users at most one session short of k (one query in the database stores):
    /// users further from an update, most of them in a periodic sweep, cost nothing more. A listed user with nothing due
    /// costs a count and, one session short of k, a read of their latest session; no update lock is taken for them.</remarks>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the requests are made (and, in inline mode, done).</returns>
    /// <exception cref="AggregateException">The stored sessions of one or more users are damaged
    /// (<see cref="InvalidDataException"/>, e.g. a session file that is not valid JSON): every other user was still looked
    /// at, and the damaged data is left as it is. Each inner exception names the user by the hash the logs use.</exception>
    public async Task RecoverAsync(CancellationToken cancellationToken = default)
    {
        // One session short of k can be due: an open session that has idled out completes now.
        var candidates = Math.Max(0, _options.CurrentValue.SessionsPerUpdate - 1);
        var userIds = await _sessions.GetUsersWithUnlearnedSessionsAsync(candidates, cancellationToken).ConfigureAwait(false);
        List<Exception>? damaged = null;
        foreach (var userId in userIds)
        {
            try
            {
                if (await IsDueAsync(userId, cancellationToken).ConfigureAwait(false))
                {
                    await RequestUpdateAsync(userId, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (InvalidDataException ex)
            {
                // One user's damaged data must not keep every other user's due update waiting. A store that fails for
                // everyone (a database that is down) throws something else and stops the sweep at once.
                (damaged ??= []).Add(new InvalidDataException($"The pending sessions of user {UserIdHash.Of(userId)} could not be read: {ex.Message}", ex));
            }
        }

        if (damaged is not null)
        {
            throw new AggregateException(
                $"The pending sessions of {damaged.Count} of {userIds.Count} user(s) could not be read; every other user was looked at.",
                damaged);
        }
    }

    /// <summary>Waits until no background update is running or queued.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the scheduler is idle.</returns>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] tasks;
            lock (_lock)
            {
                tasks = [.. _running.Values.Select(static w => w.Task!), .. _recovery is { IsCompleted: false } r ? [r] : Array.Empty<Task>()];
            }

            if (tasks.Length == 0)
            {
                return;
            }

            await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!StopAccepting())
        {
            return;
        }

        try
        {
            await WhenIdleAsync().WaitAsync(_options.CurrentValue.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
            await WhenIdleAsync().ConfigureAwait(false);
        }

        _shutdown.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!StopAccepting())
        {
            return;
        }

        _shutdown.Cancel();
        try
        {
            WhenIdleAsync().Wait(_options.CurrentValue.ShutdownTimeout);
        }
        catch (AggregateException)
        {
            // Background work logs its own failures.
        }

        _shutdown.Dispose();
    }

    /// <summary>Gets how long <see cref="WaitForUpdateLockAsync"/> waits: the longest an update holds the lock, its
    /// optimizer call (<see cref="AiPersonaOptions.OptimizerTimeout"/>) and <see cref="UpdateLockGrace"/> for the reads and
    /// writes around it.</summary>
    internal TimeSpan UpdateLockWait
        => _options.CurrentValue.OptimizerTimeout is var timeout && timeout == Timeout.InfiniteTimeSpan ? timeout : timeout + UpdateLockGrace;

    /// <summary>Gets the time allowed, beyond the optimizer call, for an update's store reads and writes: one that answered
    /// just before its timeout still saves and marks its sessions learned while the lock is held.</summary>
    internal static TimeSpan UpdateLockGrace => TimeSpan.FromSeconds(30);

    /// <summary>Takes the user's update lock, waiting up to <see cref="UpdateLockWait"/> for an update of the user that is
    /// running (in this process or another instance) to finish; <see langword="null"/> when it did not.</summary>
    internal Task<IAsyncDisposable?> WaitForUpdateLockAsync(string userId, CancellationToken cancellationToken)
        => _updater.WaitForUpdateLockAsync(userId, UpdateLockWait, cancellationToken);

    /// <summary>Starts recovery once, in the background, on first use (background mode only).</summary>
    internal void EnsureRecoveryStarted()
    {
        if (_recovery is not null || _options.CurrentValue.UpdateMode != PersonaUpdateMode.Background)
        {
            return;
        }

        lock (_lock)
        {
            if (_recovery is null && !_disposed)
            {
                _recovery = Task.Run(async () =>
                {
                    // Recovery serves every user with pending work: its updates are not part of the trace of the turn
                    // that happened to start it.
                    Activity.Current = null;
                    try
                    {
                        await RecoverAsync(_shutdown.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!_shutdown.IsCancellationRequested)
                    {
                        Log.RecoveryFailed(_logger, ex);
                    }
                });
            }
        }
    }

    // Whether k completed sessions are pending. One short of k, the open session may have idled out: the boundaries a
    // turn would apply (no conversation id: only the idle timeout) complete it if so.
    private async Task<bool> IsDueAsync(string userId, CancellationToken cancellationToken)
    {
        var k = _options.CurrentValue.SessionsPerUpdate;
        var pending = await _sessions.CountPendingSessionsAsync(userId, cancellationToken).ConfigureAwait(false);
        if (pending == k - 1)
        {
            pending = await _sessions.BeginTurnAsync(userId, conversationId: null, cancellationToken).ConfigureAwait(false);
        }

        return pending >= k;
    }

    private bool StopAccepting()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            return true;
        }
    }

    private async Task RunInBackgroundAsync(string userId, Work work)
    {
        while (true)
        {
            if (await TryTakeSlotAsync().ConfigureAwait(false))
            {
                try
                {
                    await RunDueUpdatesAsync(userId, _shutdown.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
                {
                    Log.UpdateCancelled(_logger, UserIdHash.Of(userId));
                }
                finally
                {
                    _slots.Release();
                }
            }

            lock (_lock)
            {
                if (!work.Again || _disposed)
                {
                    _running.Remove(userId);
                    return;
                }

                work.Again = false;
            }
        }
    }

    // Waits for one of the MaxConcurrentUpdates slots. False when shutdown came first: the update never started, its
    // sessions stay pending, and there is nothing to report (a long queue would otherwise log one line per user).
    private async Task<bool> TryTakeSlotAsync()
    {
        Interlocked.Increment(ref _waitingForSlot);
        try
        {
            await _slots.WaitAsync(_shutdown.Token).ConfigureAwait(false);

            // A slot that an update cancelled by shutdown let go of can reach a waiter before the waiter's own cancellation.
            if (_shutdown.IsCancellationRequested)
            {
                _slots.Release();
                return false;
            }

            return true;
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _waitingForSlot);
        }
    }

    private async Task RunDueUpdatesAsync(string userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_retryAfter.TryGetValue(userId, out var retry) && _time.GetUtcNow() < retry.After)
            {
                return;
            }
        }

        try
        {
            HashSet<string>? learnedBefore = null;
            while (true)
            {
                var result = await _updater.UpdateAsync(userId, force: false, cancellationToken).ConfigureAwait(false);
                switch (result.Status)
                {
                    case PersonaUpdateStatus.Applied:
                    case PersonaUpdateStatus.NoChanges:
                        // Sessions learned again right after being learned: the session store keeps listing them as pending
                        // after marking them learned, and looping on would call the optimizer for ever.
                        if (learnedBefore is not null && result.LearnedSessionIds.Any(learnedBefore.Contains))
                        {
                            Log.SessionsStillPending(_logger, UserIdHash.Of(userId));
                            DelayRetry(userId);
                            return;
                        }

                        learnedBefore = [.. result.LearnedSessionIds];
                        ClearRetry(userId);
                        continue;
                    case PersonaUpdateStatus.Failed:
                        DelayRetry(userId);
                        return;
                    case PersonaUpdateStatus.NotEnoughSessions:
                        // A worker that found the user busy while we held the lock left its sessions to us: look again
                        // now that the lock is released.
                        if (await _sessions.CountPendingSessionsAsync(userId, cancellationToken).ConfigureAwait(false) >= _options.CurrentValue.SessionsPerUpdate)
                        {
                            continue;
                        }

                        return;
                    default:
                        // Busy: the worker holding the lock looks again after releasing it.
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A store or session failure: the sessions stay pending for a later attempt.
            Log.UpdateThrew(_logger, ex, UserIdHash.Of(userId));
            DelayRetry(userId);
        }
    }

    // Each consecutive failure of the same user doubles the wait, up to 64 times the configured delay: a model that is down
    // for hours, or sessions the model keeps failing on, then cost a call an hour rather than a minute.
    private void DelayRetry(string userId)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            PruneRetries(now);
            var failures = _retryAfter.TryGetValue(userId, out var previous) ? previous.Failures + 1 : 1;
            var delay = _options.CurrentValue.UpdateRetryDelay * (1 << Math.Min(failures - 1, MaxRetryDoublings));
            _retryAfter[userId] = (now + delay, failures);
        }
    }

    // A user whose update failed and who never came back must not hold memory for as long as the process runs: once the
    // longest retry delay has passed since their retry fell due, the failures are stale and forgotten (a later failure
    // waits one delay again). Looked at no more than once per longest delay, under _lock.
    private void PruneRetries(DateTimeOffset now)
    {
        if (now < _nextRetryPrune)
        {
            return;
        }

        var longest = _options.CurrentValue.UpdateRetryDelay * (1 << MaxRetryDoublings);
        foreach (var (userId, retry) in _retryAfter)
        {
            if (retry.After + longest <= now)
            {
                _retryAfter.Remove(userId);
            }
        }

        _nextRetryPrune = now + longest;
    }

    /// <summary>Forgets the user's failed updates, so the retry delay they earned does not hold back a fresh start.</summary>
    internal void ClearRetry(string userId)
    {
        lock (_lock)
        {
            _retryAfter.Remove(userId);
            PruneRetries(_time.GetUtcNow());
        }
    }

    private sealed class Work
    {
        public Task? Task { get; set; }

        public bool Again { get; set; }
    }
}
