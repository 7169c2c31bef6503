using AiPersona.Benchmarks;
using BenchmarkDotNet.Running;

// `long-history [learned sessions]` runs the interleaved long-history comparison (LongHistoryRunner); anything else goes
// to BenchmarkDotNet, for example `--filter *ChatTurn*` or `--job short`.
if (args is ["long-history", ..])
{
    await LongHistoryRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ChatTurnBenchmarks).Assembly).Run(args);
