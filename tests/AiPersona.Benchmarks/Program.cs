using BenchmarkDotNet.Running;

// Pass BenchmarkDotNet's own arguments, for example `--filter *ChatTurn*` or `--job short`.
BenchmarkSwitcher.FromAssembly(typeof(AiPersona.Benchmarks.ChatTurnBenchmarks).Assembly).Run(args);
