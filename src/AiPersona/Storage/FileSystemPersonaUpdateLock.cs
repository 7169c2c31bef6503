using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>The file-system store's update lock: an OS file lock on <c>updates/&lt;user key&gt;.lock</c> under the root,
/// so one worker updates a user's persona at a time across every process sharing the directory (and within a process:
/// two handles on one file conflict as well).</summary>
/// <remarks>The lock is held by an open file handle, so the OS releases it when its holder exits or crashes: no lease
/// needs to expire. Lock files are deleted only when the user is forgotten.</remarks>
internal sealed class FileSystemPersonaUpdateLock : IPersonaUpdateLock
{
    private const string FolderName = "updates";
    private readonly string _root;

    public FileSystemPersonaUpdateLock(IOptions<FileSystemStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = StoragePaths.PrepareRoot(options.Value.RootDirectory);
    }

    /// <summary>The lock file of a user; the persona store deletes it when the user is forgotten.</summary>
    public static string LockPath(string root, string userId) => StoragePaths.Combine(root, FolderName, StoragePaths.GetUserKey(userId) + ".lock");

    public ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default)
    {
        var path = LockPath(_root, userId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return ValueTask.FromResult<IAsyncDisposable?>(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return ValueTask.FromResult<IAsyncDisposable?>(null); // another worker holds it
        }
    }
}
