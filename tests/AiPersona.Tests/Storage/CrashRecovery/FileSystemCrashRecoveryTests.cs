namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>The crash workload killed and run again on one file-system directory.</summary>
public sealed class FileSystemCrashRecoveryTests : CrashRecoveryTests
{
    [Fact]
    public Task KilledAtSeededMoments_TheStoreLosesNothing_AndLearnsEverySessionOnce() => RunAsync("filesystem");
}
