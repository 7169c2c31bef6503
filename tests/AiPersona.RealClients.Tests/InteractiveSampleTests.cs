using System.Text.Json.Nodes;
using AiPersona.Tests.Shared;

namespace AiPersona.RealClients.Tests;

/// <summary>The console sample's interactive mode, as a user runs it against OpenAI or Ollama: the sample process, with
/// its real provider client, talks HTTP to the fake server on 127.0.0.1 while the test types on its standard input.</summary>
public sealed class InteractiveSampleTests : IDisposable
{
    private const string LearnedValue = "Prefers answers as numbered steps";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aipersona-sample-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(FakeProtocol.OpenAI)]
    [InlineData(FakeProtocol.Ollama)]
    public async Task ThreeEndedSessionsUpdateThePersona_TheUserCanInspectAndCorrectIt_AndTheNextRequestCarriesBoth(FakeProtocol protocol)
    {
        await using var server = await FakeLlmServer.StartAsync(protocol, body => FakeLlmServer.IsStructuredOutputRequest(body)
            ? $$"""{"edits":[{"section":"preferences","field":"formats","action":"set","value":"{{LearnedValue}}","reason":"asked in every session","sessions":["S1","S2","S3"]}]}"""
            : "Sure, here you go.");
        string[] input =
        [
            "How do I descale a kettle? Numbered steps please.", "/end",
            "How do I reset my router? Numbered steps again.", "/end",
            "How do I bleed a radiator? Steps, numbered.", "/end",
            "/why preferences.formats",
            "/set demographics.name Ana Test",
            "What should I cook tonight?",
            "/persona",
            $"/export {Path.Combine(_data, "ana.json")}",
            $"/export {Path.Combine(_data, "ana.json")}",
            "/export",
            "/forget formats",
            "/why",
            "/bogus",
            "/set demographics.name",
            "/forget preferences.formats",
            "And tomorrow?",
            "/forget",
            "Who am I?",
            "/quit",
        ];

        var (exitCode, output) = await SampleProcess.RunAsync(
            ["--data", _data, "--user", "ana"],
            protocol == FakeProtocol.OpenAI
                ? new Dictionary<string, string?>
                {
                    ["OPENAI_API_KEY"] = "test-key", ["OPENAI_ENDPOINT"] = new Uri(server.BaseAddress, "v1/").ToString(), ["OPENAI_MODEL"] = "gpt-test", ["OLLAMA_ENDPOINT"] = null,
                }
                : new Dictionary<string, string?> { ["OLLAMA_ENDPOINT"] = server.BaseAddress.ToString(), ["OLLAMA_MODEL"] = "llama-test", ["OPENAI_API_KEY"] = null },
            input,
            TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        List<JsonObject> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests.Select(r => r.Body)];
        }

        Assert.Single(requests, FakeLlmServer.IsStructuredOutputRequest); // one update for three ended sessions
        Assert.Single(output.Split("The persona was updated")[1..]); // after the third /end only
        Assert.Contains($"preferences.formats = \"{LearnedValue}\"", output, StringComparison.Ordinal); // /why
        Assert.Contains("user: How do I reset my router? Numbered steps again.", output, StringComparison.Ordinal); // its evidence
        var chats = requests.Where(r => !FakeLlmServer.IsStructuredOutputRequest(r)).Select(FakeLlmServer.MessagesOf).ToList();
        var cook = chats.Single(m => m[^1].Content == "What should I cook tonight?");
        var persona = Assert.Single(cook, m => m.Role == "system" && m.Content.Contains("<user_persona>", StringComparison.Ordinal)).Content;
        Assert.Contains(LearnedValue, persona, StringComparison.Ordinal);
        Assert.Contains("Ana Test", persona, StringComparison.Ordinal); // the user's own correction, at once

        // "/export": the user's data as JSON, the learned value with the sessions it came from, the user's own correction.
        Assert.Contains($"Your data (4 session(s), 2 change(s) of the persona) is in {Path.Combine(_data, "ana.json")}.", output, StringComparison.Ordinal);
        Assert.Contains($"Could not write '{Path.Combine(_data, "ana.json")}': The file '{Path.Combine(_data, "ana.json")}' already exists.", output, StringComparison.Ordinal);
        Assert.Contains("Usage: /export file.json", output, StringComparison.Ordinal);
        var exported = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_data, "ana.json"), TestContext.Current.CancellationToken))!;
        Assert.Equal("ana", (string?)exported["userId"]);
        Assert.Equal(LearnedValue, (string?)exported["persona"]!["sections"]!["preferences"]!["formats"]!["value"]);
        Assert.Equal(3, exported["persona"]!["sections"]!["preferences"]!["formats"]!["sourceSessionIds"]!.AsArray().Count);
        Assert.Equal("Ana Test", (string?)exported["persona"]!["sections"]!["demographics"]!["name"]!["value"]);
        Assert.Equal("What should I cook tonight?", (string?)exported["sessions"]![3]!["messages"]![0]!["text"]);

        // A mistyped command is answered with the help, not sent to the model (the last assertion), nor stored.
        foreach (var mistyped in new[] { "/forget formats", "/why", "/bogus" })
        {
            Assert.Contains($"'{mistyped}' is not a command this chat knows, or lacks its argument (section.field).", output, StringComparison.Ordinal);
        }

        Assert.Contains("Usage: /set section.field value   or   /unset section.field", output, StringComparison.Ordinal); // "/set" with no value

        // "/forget preferences.formats": the value leaves the requests at once; the user's own name stays.
        Assert.Contains("preferences.formats and its history are deleted. It was learned from 3 session(s)", output, StringComparison.Ordinal);
        var tomorrow = chats.Single(m => m[^1].Content == "And tomorrow?");
        persona = Assert.Single(tomorrow, m => m.Role == "system" && m.Content.Contains("<user_persona>", StringComparison.Ordinal)).Content;
        Assert.DoesNotContain(LearnedValue, persona, StringComparison.Ordinal);
        Assert.Contains("Ana Test", persona, StringComparison.Ordinal);

        // "/forget": everything about ana is gone, the user's own name too; the command itself never reaches the model.
        Assert.Contains("Everything stored about 'ana' is deleted", output, StringComparison.Ordinal);
        var afterForget = chats.Single(m => m[^1].Content == "Who am I?");
        Assert.DoesNotContain(afterForget, m => m.Content.Contains("<user_persona>", StringComparison.Ordinal));
        Assert.DoesNotContain(chats.SelectMany(m => m), m => m.Content.StartsWith('/'));
    }

    [Fact]
    public async Task AFailedModelCall_IsReported_AndTheMessageCanBeSentAgain_WithoutBeingSentTwice()
    {
        var calls = 0;
        await using var server = await FakeLlmServer.StartAsync(
            FakeProtocol.Ollama,
            _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("the model is down") : "Fine now.");

        var (exitCode, output) = await SampleProcess.RunAsync(
            ["--data", _data, "--user", "ana"],
            new Dictionary<string, string?> { ["OLLAMA_ENDPOINT"] = server.BaseAddress.ToString(), ["OLLAMA_MODEL"] = "llama-test", ["OPENAI_API_KEY"] = null },
            ["Hello?", "", "Hello?", "/quit"], // the user retries (an empty line sends nothing)
            TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("The model call failed: ", output, StringComparison.Ordinal); // a 500 from the server
        Assert.Contains("Fine now.", output, StringComparison.Ordinal);
        List<JsonObject> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests.Select(r => r.Body)];
        }

        Assert.Equal(2, requests.Count);
        Assert.Single(FakeLlmServer.MessagesOf(requests[1]), m => m.Role == "user"); // the failed message was dropped, not resent
    }

    [Theory]
    [InlineData(FakeProtocol.OpenAI)] // its client retries, then throws every attempt's failure together
    [InlineData(FakeProtocol.Ollama)]
    public async Task AnEndpointNobodyListensOn_IsReportedAsAFailedCall_NotACrash(FakeProtocol protocol)
    {
        var endpoint = new Uri($"http://127.0.0.1:{LoopbackPorts.Closed()}/");

        var (exitCode, output) = await SampleProcess.RunAsync(
            ["--data", _data, "--user", "ana"],
            protocol == FakeProtocol.OpenAI
                ? new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-key", ["OPENAI_ENDPOINT"] = new Uri(endpoint, "v1/").ToString(), ["OLLAMA_ENDPOINT"] = null }
                : new Dictionary<string, string?> { ["OLLAMA_ENDPOINT"] = endpoint.ToString(), ["OPENAI_API_KEY"] = null },
            ["Hello?", "/quit"],
            TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        Assert.Contains("The model call failed: Connection refused", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--usr", "Unknown option '--usr'.")]
    [InlineData("--user", "--user needs a value.")]
    [InlineData("--data", "--data needs a value.")]
    public async Task AMistypedArgument_StopsWithTheUsage_InsteadOfBeingIgnored(string argument, string message)
    {
        var (exitCode, output) = await SampleProcess.RunAsync(["--data", _data, argument], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_data)); // nothing ran
    }

    [Theory]
    [InlineData("--user", "")]
    [InlineData("--user", "  ")]
    [InlineData("--data", "")]
    public async Task ABlankValue_StopsWithTheUsage_InsteadOfFailingLater(string option, string value)
    {
        var (exitCode, output) = await SampleProcess.RunAsync(["--data", _data, option, value], new Dictionary<string, string?>(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{option} needs a value.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_data)); // nothing ran
    }

    [Theory]
    [InlineData("OLLAMA_ENDPOINT", "localhost:11434")]
    [InlineData("OPENAI_ENDPOINT", "api.example/v1")]
    public async Task AnEndpointThatIsNotAUrl_StopsWithAMessageNamingTheVariable(string variable, string value)
    {
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = variable == "OPENAI_ENDPOINT" ? "test-key" : null, // the OpenAI endpoint is read only with a key
            ["OPENAI_ENDPOINT"] = null,
            ["OLLAMA_ENDPOINT"] = null,
            [variable] = value,
        };
        var (exitCode, output) = await SampleProcess.RunAsync(["--data", _data], environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{variable} must be an absolute http or https URL, such as http://localhost:11434; '{value}' is not.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_data)); // nothing ran
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
