using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace AiPersona.RealClients.Tests;

/// <summary>Tool calls through the pipeline the recipe shows (<c>UsePersonalization().UseToolExecutor()</c>) with MEAI's
/// OpenAI client on the wire: MEAI's function-invoking client calls the function and sends its result back, every request
/// of the loop carries the persona once, and the turns, tool calls included, are stored once although the app resends
/// them, as they were or read back from JSON.</summary>
public sealed class ToolCallTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task AToolCallingTurn_CarriesThePersonaInEveryRequestOfTheLoop_AndIsStoredOnce(bool streaming, bool historyKeptAsJson)
    {
        await using var server = await FakeLlmServer.StartAsync(
            FakeProtocol.OpenAI,
            body => FakeLlmServer.MessagesOf(body)[^1].Role == "tool" ? "It is sunny in Oslo, 18 °C." : "Take a light jacket.",
            toolCall: body => FakeLlmServer.MessagesOf(body)[^1] is ("user", var text) && text.Contains("weather", StringComparison.Ordinal)
                ? new FakeToolCall("call_1", "get_weather", """{"city":"Oslo"}""")
                : null);
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        services.AddChatClient(new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1/") })
            .GetChatClient("gpt-test")
            .AsIChatClient())
            .UsePersonalization()
            .UseToolExecutor();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        await provider.GetRequiredService<IPersonaStore>().SaveAsync(
            Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("preferences", "formats", "Short answers")], DateTimeOffset.UtcNow));
        List<string> asked = [];
        var weather = AIFunctionFactory.Create(
            (string city) =>
            {
                asked.Add(city);
                return $"sunny, 18 °C in {city}";
            },
            "get_weather",
            "Gets the current weather of a city.");
        var options = new ChatOptions { ConversationId = "trip", Tools = [weather] }.WithPersonaUser("ana");

        List<ChatMessage> history = [new(ChatRole.System, "You are a travel assistant."), new(ChatRole.User, "What's the weather in Oslo?")];
        var first = await SendAsync(client, history, options, streaming);
        Assert.Equal("It is sunny in Oslo, 18 °C.", first.Text);
        history.AddRange(first.Messages);
        if (historyKeptAsJson)
        {
            // An app that keeps the conversation in its own database, as MEAI serializes it: the call's arguments and the
            // function's result come back as JSON elements, not as the objects the turn was recorded from.
            history = JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;
            Assert.IsType<JsonElement>(history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result);
        }

        history.Add(new(ChatRole.User, "Should I take a jacket?"));
        Assert.Equal("Take a light jacket.", (await SendAsync(client, history, options, streaming)).Text);

        Assert.Equal(["Oslo"], asked);
        List<JsonObject> bodies;
        lock (server.Requests)
        {
            bodies = [.. server.Requests.Select(r => r.Body)];
        }

        // The call, the request with its result, and the second turn: each with the app's prompt, then the persona once.
        Assert.Equal(3, bodies.Count);
        foreach (var body in bodies)
        {
            var messages = FakeLlmServer.MessagesOf(body);
            Assert.Equal(("system", "You are a travel assistant."), messages[0]);
            Assert.Contains("preferences.formats: \"Short answers\"", messages[1].Content, StringComparison.Ordinal);
            Assert.Single(messages, m => m.Content.Contains("<user_persona>", StringComparison.Ordinal));
            Assert.Equal(streaming, body["stream"]?.GetValue<bool>() ?? false);
        }

        Assert.Equal(["system", "system", "user", "assistant", "tool"], FakeLlmServer.MessagesOf(bodies[1]).Select(m => m.Role));
        Assert.Equal("call_1", bodies[1]["messages"]![3]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(("tool", "\"sunny, 18 °C in Oslo\""), FakeLlmServer.MessagesOf(bodies[1])[4]); // the function's result, as JSON
        Assert.Equal(["system", "system", "user", "assistant", "tool", "assistant", "user"], FakeLlmServer.MessagesOf(bodies[2]).Select(m => m.Role));

        var session = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(
            [
                ("user", "What's the weather in Oslo?"),
                ("assistant", "[call get_weather(city=Oslo)]"),
                ("tool", "[result sunny, 18 °C in Oslo]"),
                ("assistant", "It is sunny in Oslo, 18 °C."),
                ("user", "Should I take a jacket?"),
                ("assistant", "Take a light jacket."),
            ],
            session.Messages.Select(m => (m.Role, m.Text)));
    }

    private static async Task<ChatResponse> SendAsync(IChatClient client, List<ChatMessage> messages, ChatOptions options, bool streaming)
        => streaming
            ? await client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync()
            : await client.GetResponseAsync(messages, options);
}
