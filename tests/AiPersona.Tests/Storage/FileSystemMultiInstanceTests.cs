using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage;

/// <summary>The multi-instance scenario on one directory: 20 users on four instances, each with its own store objects,
/// as several processes sharing a folder would have.</summary>
public sealed class FileSystemMultiInstanceTests : MultiInstanceTests, IDisposable
{
    private readonly TempDirectory _root = new();

    protected override int Users => 20;

    [Fact]
    public Task TwentyUsersOnFourInstances_EachBatchOfThreeSessionsIsLearnedExactlyOnce() => RunAsync();

    public void Dispose() => _root.Dispose();

    protected override void UseSharedStorage(IAiPersonaBuilder builder) => builder.UseFileSystemStorage(_root.Path);
}
