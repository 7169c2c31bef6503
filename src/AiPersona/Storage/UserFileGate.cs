namespace AiPersona;

/// <summary>Serializes work on one user's files: a per-key lock inside the process, then an OS file lock across processes.</summary>
internal sealed class UserFileGate
{
    private readonly AsyncKeyedLock _local = new();

    public async Task<IDisposable> EnterAsync(string lockFilePath, CancellationToken cancellationToken)
    {
        var local = await _local.AcquireAsync(lockFilePath, cancellationToken).ConfigureAwait(false);
        try
        {
            var file = await FileLock.AcquireAsync(lockFilePath, cancellationToken).ConfigureAwait(false);
            return new Both(file, local);
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    private sealed class Both(IDisposable inner, IDisposable outer) : IDisposable
    {
        public void Dispose()
        {
            inner.Dispose();
            outer.Dispose();
        }
    }
}
