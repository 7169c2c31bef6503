namespace AiPersona;

/// <summary>Replaces files atomically: the content goes to a temporary file in the same directory, is flushed to disk,
/// then renamed over the target. A crash leaves the old file or the new one, never a torn one.</summary>
internal static class AtomicFile
{
    public const string TemporarySuffix = ".tmp";

    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Deletes the temporary files that writes of <paramref name="path"/> cut short by a crash left beside it:
    /// a caller deleting what the file holds deletes those copies too. The caller holds the lock that serializes the
    /// writes of <paramref name="path"/>, so no write in progress loses its temporary file.</summary>
    public static void DeleteLeftovers(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var leftover in Directory.EnumerateFiles(directory, $".{Path.GetFileName(path)}.*{TemporarySuffix}"))
        {
            File.Delete(leftover);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is ignored by every reader.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}
