namespace AiPersona.Tests.Storage;

/// <summary>The per-user mutex of the session manager and the in-process stores. A lock that is free is taken at once (the
/// task is complete when AcquireAsync returns), so "still waiting" is checked without any clock.</summary>
public sealed class AsyncKeyedLockTests
{
    private readonly AsyncKeyedLock _locks = new();

    [Fact]
    public async Task AKeyIsHeldByOneCallerAtATime_OtherKeysAreFree()
    {
        var first = await _locks.AcquireAsync("user-1", CancellationToken.None);

        var second = _locks.AcquireAsync("user-1", CancellationToken.None);
        var other = _locks.AcquireAsync("user-2", CancellationToken.None);

        Assert.False(second.IsCompleted);
        Assert.True(other.IsCompletedSuccessfully);
        first.Dispose();
        (await second).Dispose();
        (await other).Dispose();
    }

    [Fact]
    public async Task AWaiterThatIsCancelled_DoesNotReleaseTheLockSomeoneElseHolds()
    {
        var holder = await _locks.AcquireAsync("user-1", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = _locks.AcquireAsync("user-1", cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var next = _locks.AcquireAsync("user-1", CancellationToken.None);

        Assert.False(next.IsCompleted);
        holder.Dispose();
        (await next).Dispose();
        (await _locks.AcquireAsync("user-1", CancellationToken.None)).Dispose(); // and the key is free again afterwards
    }

    [Fact]
    public async Task ReleasingTwice_ReleasesOnce()
    {
        var first = await _locks.AcquireAsync("user-1", CancellationToken.None);
        first.Dispose();
        var second = await _locks.AcquireAsync("user-1", CancellationToken.None);

        first.Dispose(); // a second dispose of an old holder must not free the lock the second caller holds
        var third = _locks.AcquireAsync("user-1", CancellationToken.None);

        Assert.False(third.IsCompleted);
        second.Dispose();
        (await third).Dispose();
    }
}
