namespace AiPersona;

/// <summary>An exclusive lock on a lock file, held across processes (an OS file lock), acquired by polling.</summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(15);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new TimeoutException($"Could not lock '{Path.GetFileName(path)}' within {Timeout.TotalSeconds} s; another process holds it.", ex);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
