using AiPersona.Benchmarks;
using BenchmarkDotNet.Running;

// `long-history [learned sessions]` runs the interleaved long-history comparison (LongHistoryRunner), `sweep [users]` the
// periodic-sweep comparison (SweepRunner), `copy [users]` the storage copy against direct writes (CopyRunner); anything
// else goes to BenchmarkDotNet, for example `--filter *ChatTurn*`.
if (args is ["long-history", ..])
{
    await LongHistoryRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}

if (args is ["sweep", ..])
{
    await SweepRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000);
    return;
}

if (args is ["copy", ..])
{
    await CopyRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ChatTurnBenchmarks).Assembly).Run(args);
