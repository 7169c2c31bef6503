using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace AiPersona.Tests.Storage;

public sealed class FileSystemPersonaUpdateLockTests : IDisposable
{
    private readonly TempDirectory _root = new();

    private IOptions<FileSystemStorageOptions> Options => Microsoft.Extensions.Options.Options.Create(new FileSystemStorageOptions { RootDirectory = _root.Path });

    [Fact]
    public async Task IsExclusiveAcrossStoreInstances_AndReleasedOnDispose()
    {
        var instanceA = new FileSystemPersonaUpdateLock(Options);
        var instanceB = new FileSystemPersonaUpdateLock(Options);

        var held = await instanceA.TryAcquireAsync("u");
        Assert.NotNull(held);
        Assert.Null(await instanceA.TryAcquireAsync("u"));
        Assert.Null(await instanceB.TryAcquireAsync("u"));
        await using (var other = await instanceB.TryAcquireAsync("someone-else"))
        {
            Assert.NotNull(other);
        }

        await held.DisposeAsync();
        await using var taken = await instanceB.TryAcquireAsync("u");
        Assert.NotNull(taken);
    }

    [Fact]
    public async Task ALockHeldByAnotherProcess_IsRespected_AndFreedWhenThatProcessDies()
    {
        // .NET locks files with flock(2) on Linux, as util-linux's flock(1) does: a real second process holds the lock
        // (--no-fork: the process that holds it is the one that is killed, with no child left holding it).
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/usr/bin/flock"), "needs Linux and util-linux's flock");
        var updateLock = new FileSystemPersonaUpdateLock(Options);
        await using (var created = await updateLock.TryAcquireAsync("u"))
        {
            Assert.NotNull(created); // creates the lock file
        }

        var lockFile = Assert.Single(Directory.GetFiles(Path.Combine(_root.Path, "updates")));
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["--exclusive", "--no-fork", lockFile, "sleep", "60"]))!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            IAsyncDisposable? acquired;
            while ((acquired = await updateLock.TryAcquireAsync("u")) is not null && DateTime.UtcNow < deadline)
            {
                await acquired.DisposeAsync(); // the other process has not taken it yet
                await Task.Delay(20);
            }

            Assert.Null(acquired);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        await using var afterDeath = await updateLock.TryAcquireAsync("u");
        Assert.NotNull(afterDeath);
    }

    public void Dispose() => _root.Dispose();
}
