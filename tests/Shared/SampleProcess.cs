using System.Diagnostics;
using System.Reflection;

namespace AiPersona.Tests.Shared;

/// <summary>Runs a sample app as its own process, as a user would (linked into the test projects that do). A test project
/// names each sample it runs in an <c>AssemblyMetadata</c> item "&lt;sample&gt;.Path" holding the built sample's path.</summary>
internal static class SampleProcess
{
    /// <summary>The console sample, the README's "run" command.</summary>
    public const string ConsoleSample = "AiPersona.Samples.Console";

    /// <summary>The PersonaBench sample.</summary>
    public const string PersonaBenchSample = "AiPersona.Samples.PersonaBench";

    /// <summary>Runs the console sample; see the other overload.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        IEnumerable<string>? input = null,
        CancellationToken cancellationToken = default)
        => RunAsync(ConsoleSample, arguments, environment, input, cancellationToken: cancellationToken);

    /// <summary>Gets the path of a built app the test project names in an <c>AssemblyMetadata</c> item "&lt;name&gt;.Path".</summary>
    public static string PathOf(string name)
    {
        var path = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == name + ".Path").Value!;
        Assert.True(File.Exists(path), $"The app is not built at {path}.");
        return path;
    }

    /// <summary>Runs a sample with arguments and environment variables (a <see langword="null"/> value removes one), types
    /// <paramref name="input"/> on its standard input, runs <paramref name="whileRunning"/> (given the sample's process),
    /// and waits up to two minutes for it to exit. A <paramref name="launcher"/> (a program and its arguments that runs the
    /// rest of its command line in its own place, as <c>env</c> does) starts the sample.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string sampleName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        IEnumerable<string>? input = null,
        Func<Process, Task>? whileRunning = null,
        IReadOnlyList<string>? launcher = null,
        CancellationToken cancellationToken = default)
    {
        var sample = PathOf(sampleName);
        string[] command = [.. launcher ?? [], Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", sample, .. arguments];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        foreach (var line in input ?? [])
        {
            await process.StandardInput.WriteLineAsync(line);
        }

        process.StandardInput.Close();
        if (whileRunning is not null)
        {
            try
            {
                await whileRunning(process);
            }
            catch
            {
                process.Kill(entireProcessTree: true); // a failed test leaves nothing running
                throw;
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await errors);
    }
}
