using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>The file-system store's update lock: an OS file lock on <c>updates/&lt;user key&gt;.lock</c> under the root,
/// so one worker updates a user's persona at a time across every process sharing the directory.</summary>
/// <remarks>The lock is held by an open file handle, so the OS releases it when its holder exits or crashes: no lease
/// needs to expire. Lock files are never deleted while the store is in use (deleting one could let two workers lock
/// different files of the same name).</remarks>
internal sealed class FileSystemPersonaUpdateLock : IPersonaUpdateLock
{
    private const string FolderName = "updates";
    private readonly string _root;
    private readonly ConcurrentDictionary<string, Handle> _held = new(StringComparer.Ordinal);

    public FileSystemPersonaUpdateLock(IOptions<FileSystemStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = StoragePaths.PrepareRoot(options.Value.RootDirectory);
    }

    public ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = StoragePaths.GetUserKey(userId);
        var handle = new Handle(this, key);
        if (!_held.TryAdd(key, handle))
        {
            return ValueTask.FromResult<IAsyncDisposable?>(null);
        }

        var path = LockPath(_root, userId);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            handle.File = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return ValueTask.FromResult<IAsyncDisposable?>(handle);
        }
        catch (IOException)
        {
            // Another process holds it.
            _held.TryRemove(new KeyValuePair<string, Handle>(key, handle));
            return ValueTask.FromResult<IAsyncDisposable?>(null);
        }
        catch
        {
            _held.TryRemove(new KeyValuePair<string, Handle>(key, handle));
            throw;
        }
    }

    /// <summary>The lock file of a user; the persona store deletes it when the user is forgotten.</summary>
    public static string LockPath(string root, string userId) => StoragePaths.Combine(root, FolderName, StoragePaths.GetUserKey(userId) + ".lock");

    private sealed class Handle(FileSystemPersonaUpdateLock owner, string key) : IAsyncDisposable
    {
        public FileStream? File { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (File is not null)
            {
                await File.DisposeAsync().ConfigureAwait(false);
            }

            owner._held.TryRemove(new KeyValuePair<string, Handle>(key, this));
        }
    }
}
