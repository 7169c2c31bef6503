using System.Text.Json;
using Microsoft.Extensions.AI;
using Moq;

namespace AiPersona.Tests.Tools;

public sealed class ToolExecutorTests
{
    private static readonly JsonElement WeatherSchema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement;

    [Fact]
    public async Task DefaultExecutor_InvokesTheRealFunction_ThroughFunctionInvokingChatClient()
    {
        var calls = 0;
        var function = AIFunctionFactory.Create((string city) => { calls++; return $"sunny in {city}"; }, "get_weather");
        var model = CallingToolThenAnswering("get_weather");
        using var client = model.AsBuilder().UseToolExecutor().Build();

        var response = await client.GetResponseAsync("weather?", new ChatOptions { Tools = [function] });

        Assert.Equal(1, calls);
        Assert.Equal("sunny in Lisbon", ResultSentBack(model));
        Assert.Equal("done", response.Text);
    }

    [Fact]
    public async Task CustomExecutor_ReceivesTheInvocationContext()
    {
        var executor = new Mock<IToolExecutor>();
        executor.Setup(e => e.InvokeAsync(It.IsAny<FunctionInvocationContext>(), It.IsAny<CancellationToken>())).ReturnsAsync("from executor");
        var function = AIFunctionFactory.Create((string city) => "real", "get_weather");
        var model = CallingToolThenAnswering("get_weather");
        using var client = model.AsBuilder().UseToolExecutor(executor.Object).Build();

        await client.GetResponseAsync("weather?", new ChatOptions { Tools = [function] });

        executor.Verify(e => e.InvokeAsync(
            It.Is<FunctionInvocationContext>(c => c.Function.Name == "get_weather" && c.Arguments["city"]!.ToString() == "Lisbon"),
            It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal("from executor", ResultSentBack(model));
    }

    [Fact]
    public async Task SimulatedExecutor_AsksTheSimulationModelWithTheApiDocs_AndReturnsItsJson()
    {
        var simulator = TestChatClient.Replying(_ => "```json\n{\"forecast\": \"rain\", \"celsius\": 14}\n```");
        var executor = new SimulatedToolExecutor(simulator, new Dictionary<string, string> { ["get_weather"] = "Returns {forecast, celsius}." });
        var function = SimulatedToolExecutor.CreateFunction("get_weather", "Current weather for a city.", WeatherSchema);
        var model = CallingToolThenAnswering("get_weather");
        using var client = model.AsBuilder().UseToolExecutor(executor).Build();

        await client.GetResponseAsync("weather?", new ChatOptions { Tools = [function] });

        var prompt = simulator.Calls.Single().Messages[^1].Text;
        Assert.Contains("get_weather", prompt, StringComparison.Ordinal);
        Assert.Contains("Current weather for a city.", prompt, StringComparison.Ordinal);
        Assert.Contains("Returns {forecast, celsius}.", prompt, StringComparison.Ordinal);
        Assert.Matches("\"city\":\\s*\"Lisbon\"", prompt);
        Assert.Null(simulator.Calls.Single().Options!.Temperature); // reasoning models refuse any but their default
        var result = Assert.IsType<JsonElement>(model.Calls[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result);
        Assert.Equal("rain", result.GetProperty("forecast").GetString());
    }

    [Theory]
    [InlineData("OK, booked.")]
    [InlineData("Booked table {4} at [7 pm] for you.")] // braces and brackets that hold no JSON
    [InlineData("Booked table [4] for you.")] // a list of plain values in a sentence
    [InlineData("```json\n[4]\n```\n{\"table\": 4, \"ti")] // cut off in its JSON: no list before the cut is taken instead
    public async Task SimulatedExecutor_ReturnsPlainTextWhenTheModelAnswersWithoutJson(string reply)
    {
        var executor = new SimulatedToolExecutor(TestChatClient.Replying(_ => reply));
        var context = new FunctionInvocationContext { Function = SimulatedToolExecutor.CreateFunction("book", "Books.", WeatherSchema) };

        Assert.Equal(reply, await executor.InvokeAsync(context, CancellationToken.None));
    }

    [Theory]
    [InlineData("<think>They want {forecast}; I'll say [rain].</think>\n{\"forecast\": \"rain\"}", "{\"forecast\":\"rain\"}")]
    [InlineData("<think>Plain text will do {here}.</think>\nBooked for 7 pm.", "Booked for 7 pm.")]
    [InlineData("Plain text will do.</think>\nBooked for 7 pm.", "Booked for 7 pm.")] // a chat template that opened <think> itself
    [InlineData("</think>\n\nBooked for 7 pm.", "Booked for 7 pm.")] // ... and no thinking
    [InlineData("{\"forecast\": \"rain\"}\n(I took {city} to be Lisbon.)", "{\"forecast\":\"rain\"}")] // a note after the JSON
    [InlineData("Table [4] is free {tonight}:\n{\"forecast\": \"rain\"}", "{\"forecast\":\"rain\"}")] // brackets before the JSON
    [InlineData("Free tables [4] and [7]:\n[{\"table\": 4}]", "[{\"table\":4}]")]
    [InlineData("```json\n[4, 7]\n```", "[4,7]")] // a list of plain values, where nothing else is
    [InlineData("Free tables: [4, 7]", "Free tables: [4, 7]")] // ... and in a sentence, where it is part of the sentence
    public async Task SimulatedExecutor_ReturnsTheAnswer_WithoutTheThinkingBeforeIt_OrANoteAfterItsJson(string reply, string expected)
    {
        var executor = new SimulatedToolExecutor(TestChatClient.Replying(_ => reply));
        var context = new FunctionInvocationContext { Function = SimulatedToolExecutor.CreateFunction("book", "Books.", WeatherSchema) };

        var result = await executor.InvokeAsync(context, CancellationToken.None);

        Assert.Equal(expected, result is JsonElement json ? json.GetRawText().Replace(" ", "", StringComparison.Ordinal) : result);
    }

    [Fact]
    public async Task SimulatedExecutor_ReadsTheJsonOfAnAnswerAsTheOptimizersIsRead()
    {
        // A trailing comma and a comment; half of a surrogate pair, which a UTF-8 answer would hold as U+FFFD (built here:
        // test data in attributes does not keep it).
        (string Reply, string Forecast)[] answers =
        [
            ("```json\n{\"forecast\": \"rain\", /* a guess */}\n```", "rain"),
            ("{\"forecast\": \"rain " + '\ud83d' + "\"}", "rain \ufffd"),
        ];
        foreach (var (reply, forecast) in answers)
        {
            var executor = new SimulatedToolExecutor(TestChatClient.Replying(_ => reply));
            var context = new FunctionInvocationContext { Function = SimulatedToolExecutor.CreateFunction("book", "Books.", WeatherSchema) };

            var result = Assert.IsType<JsonElement>(await executor.InvokeAsync(context, CancellationToken.None));

            Assert.Equal(forecast, result.GetProperty("forecast").GetString());
            var sent = JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions); // what the model is sent
            Assert.Equal(forecast, JsonDocument.Parse(sent).RootElement.GetProperty("forecast").GetString());
            Assert.DoesNotContain("guess", sent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SimulatedFunction_CannotBeInvokedDirectly()
    {
        var function = SimulatedToolExecutor.CreateFunction("book", "Books.", WeatherSchema);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await function.InvokeAsync(new AIFunctionArguments()));
        Assert.Contains("SimulatedToolExecutor", ex.Message, StringComparison.Ordinal);
    }

    private static TestChatClient CallingToolThenAnswering(string toolName)
    {
        var turn = 0;
        return new TestChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(Interlocked.Increment(ref turn) == 1
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", toolName, new Dictionary<string, object?> { ["city"] = "Lisbon" })]))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, "done"))),
        };
    }

    private static string? ResultSentBack(TestChatClient model)
        => model.Calls[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result?.ToString();
}
