using System.Text.Json.Nodes;
using AiPersona.Evaluation;
using AiPersona.Tests.Shared;

namespace AiPersona.RealClients.Tests;

/// <summary>The PersonaBench sample's real mode, run as a process against the fake server with the provider's real client:
/// Conversation RAG with <c>--embedding-model</c> ranks past sessions by the embeddings the server returns.</summary>
public sealed class PersonaBenchSampleTests : IDisposable
{
    private const int Scenes = 6;
    private static readonly System.Text.Json.JsonSerializerOptions DatasetJsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly string _output = Path.Combine(Path.GetTempPath(), "aipersona-bench-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(FakeProtocol.OpenAI)]
    [InlineData(FakeProtocol.Ollama)]
    public async Task ConversationRag_WithAnEmbeddingModel_RetrievesThePastSessionsTheEmbeddingsRankHighest(FakeProtocol protocol)
    {
        var assistantReplies = 0;
        await using var server = await FakeLlmServer.StartAsync(
            protocol,
            body => PersonaBenchRoles.Of(body) switch
            {
                "user" => """{"satisfied": true}""",
                "judge" => """{"helpfulness": 7, "personalization": 5, "rationale": "fine"}""",
                "tool" => """{"status": "ok"}""",
                _ => $"Here is a suggestion [reply {Interlocked.Increment(ref assistantReplies)}].",
            },
            // The query (always first) and the first session's transcript point one way, every other session the other:
            // word overlap could not make this choice, only these vectors can.
            inputs => [.. inputs.Select((text, i) => i == 0 || text.Contains("[reply 1]", StringComparison.Ordinal) ? new[] { 1f, 0f } : [0f, 1f])]);
        var endpoint = protocol == FakeProtocol.OpenAI ? new Uri(server.BaseAddress, "v1/").ToString() : server.BaseAddress.ToString();

        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample,
            [
                "--provider", protocol == FakeProtocol.OpenAI ? "openai" : "ollama", "--model", "chat-test", "--embedding-model", "embed-test",
                "--endpoint", endpoint, "--settings", "conversationrag", "--personas", "1", "--scenes", Scenes.ToString(), "--out", _output,
            ],
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-key", ["OPENAI_ENDPOINT"] = null, ["OLLAMA_ENDPOINT"] = null },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("RAG similarity embeddings embed-test", output, StringComparison.Ordinal);
        Assert.Contains("| Conversation RAG", output, StringComparison.Ordinal);
        List<(string Path, JsonObject Body)> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests];
        }

        // One embeddings call per session after the first: its query, then the one earlier session not embedded before.
        var embeddingCalls = requests.Where(r => FakeLlmServer.IsEmbeddingsPath(r.Path)).ToList();
        Assert.Equal(Scenes - 1, embeddingCalls.Count);
        Assert.All(embeddingCalls, r => Assert.Equal("embed-test", r.Body["model"]?.GetValue<string>()));
        var scenes = BenchmarkDataset.LoadMini().Personas[0].Scenes;
        for (var call = 0; call < embeddingCalls.Count; call++)
        {
            var inputs = FakeLlmServer.EmbeddingInputsOf(embeddingCalls[call].Body);
            Assert.Equal(2, inputs.Count);
            Assert.Equal(scenes[call + 1].NeutralizedQuery, inputs[0]);
            Assert.Contains($"[reply {call + 1}]", inputs[1], StringComparison.Ordinal);
        }

        // The last scene's request carries three past sessions: the first (the embeddings' choice), then the newest two.
        var lastAssistantRequest = requests.Last(r => !FakeLlmServer.IsEmbeddingsPath(r.Path) && PersonaBenchRoles.Of(r.Body) == "assistant").Body;
        var context = Assert.Single(FakeLlmServer.MessagesOf(lastAssistantRequest), m => m.Content.StartsWith("Relevant past conversations", StringComparison.Ordinal)).Content;
        Assert.Contains("[reply 1]", context, StringComparison.Ordinal);
        Assert.Contains($"[reply {Scenes - 1}]", context, StringComparison.Ordinal);
        Assert.Contains($"[reply {Scenes - 2}]", context, StringComparison.Ordinal);
        Assert.DoesNotContain("[reply 2]", context, StringComparison.Ordinal);
        Assert.DoesNotContain("[reply 3]", context, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeProtocol.OpenAI)]
    [InlineData(FakeProtocol.Ollama)]
    public async Task AModelCallThatFails_EndsTheRunWithAMessage_AndTheNextRunResumes(FakeProtocol protocol)
    {
        var judgeDown = true;
        await using var server = await FakeLlmServer.StartAsync(
            protocol,
            body => PersonaBenchRoles.Of(body) switch
            {
                "user" => """{"satisfied": true}""",
                "judge" => Volatile.Read(ref judgeDown) ? throw new InvalidOperationException("the judge is down") : """{"helpfulness": 7, "personalization": 5, "rationale": "fine"}""",
                "tool" => """{"status": "ok"}""",
                _ => "Here is a suggestion.",
            });
        var endpoint = protocol == FakeProtocol.OpenAI ? new Uri(server.BaseAddress, "v1/").ToString() : server.BaseAddress.ToString();
        string[] arguments =
        [
            "--provider", protocol == FakeProtocol.OpenAI ? "openai" : "ollama", "--model", "chat-test", "--endpoint", endpoint,
            "--settings", "nopersona", "--personas", "1", "--scenes", "2", "--out", _output,
        ];
        var environment = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-key", ["OPENAI_ENDPOINT"] = null, ["OLLAMA_ENDPOINT"] = null };

        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("A model call failed: ", output, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);

        Volatile.Write(ref judgeDown, false);
        (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("| No Persona", output, StringComparison.Ordinal);
        Assert.Equal(2, (await File.ReadAllLinesAsync(Path.Combine(_output, "sessions.jsonl"), TestContext.Current.CancellationToken)).Length);
    }

    [Theory]
    [InlineData(FakeProtocol.OpenAI)] // its client retries, then throws every attempt's failure together
    [InlineData(FakeProtocol.Ollama)]
    public async Task AnEndpointNobodyListensOn_EndsTheRunWithAMessage_NotACrash(FakeProtocol protocol)
    {
        var endpoint = new Uri($"http://127.0.0.1:{LoopbackPorts.Closed()}/");
        string[] arguments =
        [
            "--provider", protocol == FakeProtocol.OpenAI ? "openai" : "ollama", "--model", "chat-test",
            "--endpoint", protocol == FakeProtocol.OpenAI ? new Uri(endpoint, "v1/").ToString() : endpoint.ToString(),
            "--settings", "nopersona", "--personas", "1", "--scenes", "1", "--out", _output,
        ];
        var environment = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-key", ["OPENAI_ENDPOINT"] = null, ["OLLAMA_ENDPOINT"] = null };

        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 1, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("A model call failed: Connection refused", output, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_StopsTheRunKeepingWhatFinished_AndTheSameCommandResumesAndCompletesIt()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Ctrl+C is sent as SIGINT, with the shell's kill.");
        var ct = TestContext.Current.CancellationToken;

        // A job started in the background by a shell without job control (as CI may start the tests) ignores SIGINT, and
        // the sample would inherit that; a terminal's Ctrl+C reaches a program with SIGINT handled as usual, which GNU env
        // gives it back.
        IReadOnlyList<string>? launcher = null;
        if (SigIntIgnored())
        {
            using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("env", ["--default-signal=INT", "true"]) { RedirectStandardError = true })!;
            await probe.WaitForExitAsync(ct);
            Assert.SkipWhen(
                probe.ExitCode != 0,
                "SIGINT is ignored in this process (a job started in the background by a shell without job control) and this " +
                "env cannot reset it (GNU env 8.31 or later can), so Ctrl+C cannot reach the sample; run the tests from a terminal.");
            launcher = ["env", "--default-signal=INT"];
        }

        var sessions = Path.Combine(_output, "sessions.jsonl");
        string[] arguments = ["--out", _output]; // the offline simulation: every setting, 1,200 sessions

        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, new Dictionary<string, string?>(), launcher: launcher, cancellationToken: ct, whileRunning: async process =>
        {
            while (!File.Exists(sessions) || File.ReadLines(sessions).Count() < 20)
            {
                Assert.False(process.HasExited, "The run ended before it could be interrupted.");
                await Task.Delay(20, ct);
            }

            // The shell's own kill: a minimal machine may lack the kill program.
            using var kill = System.Diagnostics.Process.Start("sh", ["-c", $"kill -INT {process.Id}"]);
            await kill.WaitForExitAsync(ct);
        });

        Assert.True(exitCode == 130, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("Stopping; finished sessions are kept and the next run resumes from them.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        var kept = Keys(await File.ReadAllLinesAsync(sessions, ct));
        Assert.InRange(kept.Count, 20, 1_199);

        (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, new Dictionary<string, string?>(), cancellationToken: ct);

        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("| Persona Learning (k=5)", output, StringComparison.Ordinal);
        var all = Keys(await File.ReadAllLinesAsync(sessions, ct));
        Assert.Equal(1_200, all.Count);
        Assert.Equal(1_200, all.Distinct().Count()); // each session once: none redone twice, none lost
        Assert.Equal(kept, all.Take(kept.Count)); // what the first run finished was kept as it was

        // Linux lists the signals a process ignores in /proc/self/status (SigIgn, a hexadecimal mask; SIGINT is 2).
        static bool SigIntIgnored()
            => File.Exists("/proc/self/status")
                && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
                && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;

        static List<string> Keys(string[] lines)
            => [.. lines.Select(static line => JsonNode.Parse(line)!.AsObject()).Select(static r => $"{r["setting"]}/{r["personaId"]}/{r["sceneId"]}")];
    }

    [Fact]
    public async Task Help_PrintsTheUsageAndRunsNothing()
    {
        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--out", _output, "--help"], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("Usage:", output.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("--optimizer-model <name>", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_output)); // nothing ran
    }

    [Theory]
    [InlineData(new[] { "--setting", "nopersona" }, "Unknown option '--setting'.")]
    [InlineData(new[] { "--personas", "0" }, "--personas must be a positive integer.")]
    [InlineData(new[] { "--provider", "openai" }, "--provider needs --model.")]
    [InlineData(new[] { "--model", "gpt-4o-mini" }, "need --provider openai|ollama.")]
    [InlineData(new[] { "--settings", "golden" }, "Unknown setting 'golden'. Use nopersona, goldenpersona, conversationrag or learning-k<N>.")]
    [InlineData(new[] { "--settings", "," }, "--settings names no setting.")]
    [InlineData(new[] { "--provider", "ollama", "--model", " " }, "--model needs a value.")]
    [InlineData(new[] { "--personas" }, "--personas needs a value.")]
    [InlineData(new[] { "--out", "" }, "--out needs a value.")]
    [InlineData(new[] { "--settings", "nopersona,learning-k3,NoPersona" }, "--settings lists nopersona twice.")]
    [InlineData(new[] { "--provider", "ollama", "--model", "m", "--endpoint", "localhost:11434" }, "--endpoint must be an absolute http or https URL")]
    public async Task AMistypedArgument_StopsWithTheUsage_InsteadOfBeingIgnored(string[] arguments, string message)
    {
        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--out", _output, .. arguments], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", output, StringComparison.Ordinal); // a library's parameter name means nothing here
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_output)); // nothing ran
    }

    [Fact]
    public async Task Progress_PrintedToAFileOrPipe_IsALineEveryTenthOfTheRun()
    {
        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--out", _output, "--settings", "nopersona", "--personas", "2"], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        var progress = output.Split('\n').Where(l => l.StartsWith('[') && l.Contains(" sessions  ", StringComparison.Ordinal)).ToList();
        Assert.InRange(progress.Count, 2, 11); // not one per session (20 here), nor only the end
        Assert.DoesNotContain("[" + new string('#', 30) + "]", progress[0], StringComparison.Ordinal);
        Assert.Contains("] 20/20 sessions", progress[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fresh_StartsOver_WithoutDeletingWhatElseTheOutputDirectoryHolds()
    {
        Directory.CreateDirectory(_output);
        var notes = Path.Combine(_output, "notes.txt");
        await File.WriteAllTextAsync(notes, "mine", TestContext.Current.CancellationToken);
        string[] run = ["--out", _output, "--settings", "nopersona", "--personas", "1", "--scenes", "1"];
        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, run, new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, output);
        await File.WriteAllTextAsync(Path.Combine(_output, "run.json"), "damaged", TestContext.Current.CancellationToken);
        (exitCode, _) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, run, new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, exitCode); // resuming is refused

        (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, [.. run, "--fresh"], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Equal("mine", await File.ReadAllTextAsync(notes, TestContext.Current.CancellationToken));
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_output, "sessions.jsonl"), TestContext.Current.CancellationToken));
        Assert.Contains("SIMULATION", await File.ReadAllTextAsync(Path.Combine(_output, "run.json"), TestContext.Current.CancellationToken)); // written anew
    }

    [Fact]
    public async Task AStateFileDamagedByHand_StopsTheResumedRun_WithAMessageNamingIt_AndLeavesItAsItIs()
    {
        string[] run = ["--out", _output, "--settings", "learning-k1", "--personas", "1", "--scenes", "2"];
        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, run, new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, output);
        // The persona not yet judged, so a resumed run has work to do, and the persona's stored file damaged.
        File.Delete(Path.Combine(_output, "personas.jsonl"));
        var file = Directory.GetFiles(Path.Combine(_output, "state"), "*.json", SearchOption.AllDirectories)
            .First(f => Path.GetFileName(Path.GetDirectoryName(f)) == "personas");
        await File.WriteAllTextAsync(file, "{\"torn", TestContext.Current.CancellationToken);

        (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, run, new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains($"The output directory '{_output}' cannot be used:", output, StringComparison.Ordinal);
        Assert.Contains(file, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Equal("{\"torn", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(_output, "personas.jsonl"))); // nothing judged from the damaged state
    }

    [Fact]
    public async Task ADatasetOfOnesOwn_RunsFromItsFile()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(2, 2);
        dataset.Name = "my-bench";
        Directory.CreateDirectory(_output);
        var file = Path.Combine(_output, "my bench.json");
        await File.WriteAllTextAsync(file, DatasetJson(dataset), TestContext.Current.CancellationToken);
        var results = Path.Combine(_output, "results");

        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--dataset", file, "--out", results, "--settings", "nopersona,learning-k1"], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("PersonaBench — my-bench: 2 personas × 2 scenes, 2 settings", output, StringComparison.Ordinal);
        var sessions = (await File.ReadAllLinesAsync(Path.Combine(results, "sessions.jsonl"), TestContext.Current.CancellationToken)).Select(l => JsonNode.Parse(l)!);
        string[] expected = [.. new[] { "nopersona", "learning-k1" }.SelectMany(s => dataset.Personas.SelectMany(p => p.Scenes.Select(c => $"{s} {c.Id}")))];
        Assert.Equal(expected.Order(StringComparer.Ordinal), sessions.Select(s => $"{s["setting"]} {s["sceneId"]}").Order(StringComparer.Ordinal));
        Assert.Contains("my-bench", await File.ReadAllTextAsync(Path.Combine(results, "run.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "Could not find file")]
    [InlineData("directory", "It is a directory, not a JSON file.")]
    [InlineData("{\"personas\": [", "cannot be read")]
    [InlineData("{\"name\": \"x\", \"personas\": [null]}", "persona 1 of the dataset is null.")]
    [InlineData("invalid", "'neutralizedQuery' is empty.")]
    public async Task ADatasetThatCannotBeRun_StopsWithAMessageNamingTheProblem_BeforeAnythingRuns(string content, string message)
    {
        Directory.CreateDirectory(_output);
        var file = Path.Combine(_output, "dataset.json");
        switch (content)
        {
            case "missing":
                break;
            case "directory":
                Directory.CreateDirectory(file);
                break;
            case "invalid":
                var dataset = BenchmarkDataset.LoadMini().Take(1, 2);
                dataset.Personas[0].Scenes[1].NeutralizedQuery = " ";
                await File.WriteAllTextAsync(file, DatasetJson(dataset), TestContext.Current.CancellationToken);
                break;
            default:
                await File.WriteAllTextAsync(file, content, TestContext.Current.CancellationToken);
                break;
        }

        var results = Path.Combine(_output, "results");
        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--dataset", file, "--out", results], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains($"The dataset '{file}'", output, StringComparison.Ordinal);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(results)); // nothing ran
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnOutputPathThatIsAFile_StopsWithAMessage_AndTheFileIsKept(bool fresh)
    {
        Directory.CreateDirectory(_output);
        var file = Path.Combine(_output, "results.txt");
        await File.WriteAllTextAsync(file, "mine", TestContext.Current.CancellationToken);
        string[] arguments = ["--out", file, "--settings", "nopersona", "--personas", "1", "--scenes", "1", .. fresh ? new[] { "--fresh" } : []];

        var (exitCode, output) = await SampleProcess.RunAsync(SampleProcess.PersonaBenchSample, arguments, new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains($"The output directory '{file}' cannot be used:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("openai", null, null, "--provider openai needs OPENAI_API_KEY in the environment.")]
    [InlineData("openai", "OPENAI_ENDPOINT", "api.example/v1", "OPENAI_ENDPOINT must be an absolute http or https URL")]
    [InlineData("ollama", "OLLAMA_ENDPOINT", "localhost:11434", "OLLAMA_ENDPOINT must be an absolute http or https URL")]
    public async Task AnEnvironmentTheProviderCannotUse_StopsWithAMessage_InsteadOfAStackTrace(string provider, string? variable, string? value, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = variable is null ? null : "test-key",
            ["OPENAI_ENDPOINT"] = null,
            ["OLLAMA_ENDPOINT"] = null,
        };
        if (variable is not null)
        {
            environment[variable] = value;
        }

        var (exitCode, output) = await SampleProcess.RunAsync(
            SampleProcess.PersonaBenchSample, ["--out", _output, "--provider", provider, "--model", "m"], environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_output)); // nothing ran
    }

    // The dataset in the JSON shape BenchmarkDataset.Load reads (camelCase names).
    private static string DatasetJson(BenchmarkDataset dataset) => System.Text.Json.JsonSerializer.Serialize(dataset, DatasetJsonOptions);

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }
}
