namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>How one run of the crash workload ended.</summary>
/// <param name="KilledMidRun">Whether the test killed it before it finished its work (it never printed "DONE").</param>
/// <param name="ExitCode">The exit code (137 after SIGKILL).</param>
/// <param name="Output">What it wrote to standard output and standard error.</param>
internal sealed record CrashWorkloadRun(bool KilledMidRun, int ExitCode, string Output);
