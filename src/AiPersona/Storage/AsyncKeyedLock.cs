namespace AiPersona;

/// <summary>One async mutex per key, created on demand and released when nobody holds or waits for it.</summary>
internal sealed class AsyncKeyedLock
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out gate!))
            {
                gate = new Gate();
                _gates[key] = gate;
            }

            gate.References++;
        }

        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(key, gate, wasHeld: false);
            throw;
        }

        return new Releaser(this, key, gate);
    }

    private void Release(string key, Gate gate, bool wasHeld)
    {
        if (wasHeld)
        {
            gate.Semaphore.Release();
        }

        lock (_gates)
        {
            if (--gate.References == 0)
            {
                _gates.Remove(key);
                gate.Semaphore.Dispose();
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int References { get; set; }
    }

    private sealed class Releaser(AsyncKeyedLock owner, string key, Gate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(key, gate, wasHeld: true);
            }
        }
    }
}
