using System.Collections.Concurrent;

namespace AiPersona;

/// <summary>The default update lock: one update per user within this process.</summary>
internal sealed class InProcessPersonaUpdateLock : IPersonaUpdateLock
{
    private readonly ConcurrentDictionary<string, Handle> _held = new(StringComparer.Ordinal);

    public ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        var handle = new Handle(this, userId);
        return ValueTask.FromResult<IAsyncDisposable?>(_held.TryAdd(userId, handle) ? handle : null);
    }

    private sealed class Handle(InProcessPersonaUpdateLock owner, string userId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owner._held.TryRemove(new KeyValuePair<string, Handle>(userId, this));
            return ValueTask.CompletedTask;
        }
    }
}
