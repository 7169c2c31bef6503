using System.Diagnostics;
using AiPersona.Tests.Shared;

namespace AiPersona.Tests.Storage.CrashRecovery;

/// <summary>Runs the crash workload (tests/AiPersona.CrashWorkload) as its own process and, when asked, kills it with
/// SIGKILL (no finally block, no dispose, no flush runs) a few milliseconds after it printed a given line.</summary>
internal static class CrashWorkloadProcess
{
    private const string Name = "AiPersona.CrashWorkload";

    /// <summary>Runs the workload to its end, or kills it <paramref name="killDelay"/> after the first line of its
    /// output that <paramref name="killAfter"/> picks (given the line and how many lines came so far).</summary>
    public static async Task<CrashWorkloadRun> RunAsync(
        IEnumerable<string> arguments,
        Func<string, int, bool>? killAfter,
        TimeSpan killDelay,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [SampleProcess.PathOf(Name), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = new List<string>();
        var killed = false;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.Add(line);
                if (killAfter is not null && killAfter(line, output.Count))
                {
                    await Task.Delay(killDelay, timeout.Token);
                    process.Kill(entireProcessTree: true);
                    killed = true;
                    break;
                }
            }

            output.AddRange((await process.StandardOutput.ReadToEndAsync(timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch
        {
            process.Kill(entireProcessTree: true); // a failed or timed-out test leaves nothing running
            throw;
        }

        var finished = output.Contains("DONE");
        return new CrashWorkloadRun(killed && !finished, process.ExitCode, string.Join('\n', output) + "\n" + await errors);
    }
}
