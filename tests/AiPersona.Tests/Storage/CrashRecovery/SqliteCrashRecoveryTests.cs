namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>The crash workload killed and run again on one SQLite file.</summary>
public sealed class SqliteCrashRecoveryTests : CrashRecoveryTests
{
    [Fact]
    public Task KilledAtSeededMoments_TheStoreLosesNothing_AndLearnsEverySessionOnce() => RunAsync("sqlite");
}
