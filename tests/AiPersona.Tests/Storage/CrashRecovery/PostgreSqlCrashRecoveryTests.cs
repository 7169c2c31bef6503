namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>The crash workload killed and run again on one PostgreSQL schema.</summary>
public sealed class PostgreSqlCrashRecoveryTests : CrashRecoveryTests
{
    [Fact]
    public Task KilledAtSeededMoments_TheStoreLosesNothing_AndLearnsEverySessionOnce() => RunAsync("postgresql");
}
