using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OllamaSharp;
using OpenAI;

namespace AiPersona.RealClients.Tests;

/// <summary>Real provider clients (Microsoft.Extensions.AI.OpenAI, OllamaSharp) wrapped by AiPersona, talking HTTP to a
/// fake server on 127.0.0.1: what AiPersona adds must be on the wire, and the optimizer's structured output must work.</summary>
public sealed class RealClientTests
{
    public static TheoryData<FakeProtocol, bool> Cases() => new()
    {
        { FakeProtocol.OpenAI, false },
        { FakeProtocol.OpenAI, true },
        { FakeProtocol.Ollama, false },
        { FakeProtocol.Ollama, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PersonaTextIsInTheRequestBody_AndTheOptimizersJsonReplyIsApplied(FakeProtocol protocol, bool streaming)
    {
        await using var server = await FakeLlmServer.StartAsync(protocol, body => FakeLlmServer.IsStructuredOutputRequest(body)
            ? """{"edits":[{"section":"preferences","field":"formats","action":"set","value":"Prefers answers as numbered steps","reason":"asked twice","sessions":["S1","S3"]}]}"""
            : "Sure, here you go.");
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        services.AddChatClient(CreateClient(protocol, server.BaseAddress)).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        for (var session = 1; session <= 4; session++)
        {
            var options = new ChatOptions { ConversationId = $"conversation-{session}" }.WithPersonaUser("ana");
            List<ChatMessage> messages = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, $"Question {session}, as numbered steps please")];
            var text = streaming
                ? (await client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync()).Text
                : (await client.GetResponseAsync(messages, options)).Text;
            Assert.Equal("Sure, here you go.", text);
        }

        // A follow-up in the fourth session resends the conversation: a provider that keeps no state needs the persona again.
        var followUpOptions = new ChatOptions { ConversationId = "conversation-4" }.WithPersonaUser("ana");
        List<ChatMessage> followUp = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "Question 4, as numbered steps please"), new(ChatRole.Assistant, "Sure, here you go."), new(ChatRole.User, "And one more")];
        var followUpResponse = streaming
            ? await client.GetStreamingResponseAsync(followUp, followUpOptions).ToChatResponseAsync()
            : await client.GetResponseAsync(followUp, followUpOptions);
        Assert.Null(followUpResponse.ConversationId);

        List<(string Path, JsonObject Body)> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests];
        }

        // Structured output: a JSON schema was requested, and the reply was applied to the stored persona.
        var optimizerRequest = Assert.Single(requests, r => FakeLlmServer.IsStructuredOutputRequest(r.Body));
        Assert.Contains("Question 1, as numbered steps please", string.Join("\n", FakeLlmServer.MessagesOf(optimizerRequest.Body).Select(m => m.Content)), StringComparison.Ordinal);
        var persona = await provider.GetRequiredService<IPersonaStore>().GetAsync("ana");
        Assert.Equal("Prefers answers as numbered steps", persona.GetValue("preferences", "formats")!.Value);

        // The fourth session's requests carried the persona, after the app's system prompt.
        var chatRequests = requests.Where(r => !FakeLlmServer.IsStructuredOutputRequest(r.Body)).ToList();
        Assert.Equal(5, chatRequests.Count);
        Assert.All(chatRequests, r => Assert.Equal(streaming, r.Body["stream"]?.GetValue<bool>() ?? protocol == FakeProtocol.Ollama));
        foreach (var request in chatRequests.Skip(3))
        {
            var messages = FakeLlmServer.MessagesOf(request.Body);
            Assert.Equal(("system", "You are a helpful assistant."), messages[0]);
            Assert.Equal("system", messages[1].Role);
            Assert.Contains("<user_persona>", messages[1].Content, StringComparison.Ordinal);
            Assert.Contains("preferences.formats: \"Prefers answers as numbered steps\"", messages[1].Content, StringComparison.Ordinal);
        }

        Assert.All(chatRequests.Take(3), r => Assert.DoesNotContain(FakeLlmServer.MessagesOf(r.Body), m => m.Content.Contains("<user_persona>", StringComparison.Ordinal)));

        // AiPersona's per-request settings never reach the provider.
        Assert.All(requests, r => Assert.DoesNotContain("aipersona", r.Body.ToJsonString(), StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AReasoningModelsThinking_BeforeItsReply_IsNotStoredInTheSession(FakeProtocol protocol, bool streaming)
    {
        // DeepSeek-R1 or Qwen3 through a server without a reasoning channel, its reply streamed in pieces or whole.
        await using var server = await FakeLlmServer.StartAsync(protocol, _ => "<think>\nShe may be vegan, from the salad talk.\n</think>\n\nSure, here you go.");
        var services = new ServiceCollection();
        services.AddAiPersona();
        services.AddChatClient(CreateClient(protocol, server.BaseAddress)).UsePersonalization();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        List<ChatMessage> messages = [new(ChatRole.User, "Where can I eat tonight?")];
        var options = new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana");

        var text = streaming
            ? (await client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync()).Text
            : (await client.GetResponseAsync(messages, options)).Text;

        Assert.StartsWith("<think>", text, StringComparison.Ordinal); // the app gets the reply as the model sent it
        var session = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(["Where can I eat tonight?", "Sure, here you go."], session.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AnOptimizerClientConfiguredForStrictMode_SendsAStrictJsonSchema_AndItsReplyIsApplied()
    {
        var (requests, learned) = await LearnFromOneSessionAsync(
            onlyDefaultTemperature: false,
            configure: _ => { },
            (services, server) => services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, CreateClient(FakeProtocol.OpenAI, server.BaseAddress))
                .ConfigureOptions(o => (o.AdditionalProperties ??= [])["strict"] = true)); // the recipe in docs/recipes.md

        var optimizerRequest = Assert.Single(requests, r => FakeLlmServer.IsStructuredOutputRequest(r.Body));
        Assert.True(optimizerRequest.Body["response_format"]?["json_schema"]?["strict"]?.GetValue<bool>());
        AssertStrictModeSchema(optimizerRequest.Body["response_format"]!["json_schema"]!["schema"]!, "$", isRoot: true);
        Assert.DoesNotContain("strict", Assert.Single(requests, r => !FakeLlmServer.IsStructuredOutputRequest(r.Body)).Body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("Nurse", learned);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(0f, false)]
    public async Task AReasoningModelThatTakesOnlyItsDefaultTemperature_LearnsAsTheOptimizer_UnlessATemperatureIsConfigured(float? temperature, bool learns)
    {
        var (requests, learned) = await LearnFromOneSessionAsync(onlyDefaultTemperature: true, configure: o => o.OptimizerTemperature = temperature);

        var optimizerRequest = Assert.Single(requests, r => FakeLlmServer.IsStructuredOutputRequest(r.Body));
        Assert.Equal(temperature is null, optimizerRequest.Body["temperature"] is null);
        Assert.Equal(learns ? "Nurse" : null, learned);
    }

    [Theory]
    [InlineData(FakeProtocol.OpenAI)]
    [InlineData(FakeProtocol.Ollama)]
    public async Task AReasoningModelThatWritesItsThinkingBeforeItsJson_LearnsAsTheOptimizer(FakeProtocol protocol)
    {
        // As DeepSeek-R1 or Qwen3 answer through a server that gives reasoning no channel of its own.
        var (_, learned) = await LearnFromOneSessionAsync(
            onlyDefaultTemperature: false,
            configure: _ => { },
            protocol: protocol,
            optimizerThinking: "<think>\nS1: night shifts as a nurse, so {demographics.career} = [Nurse].\n</think>\n\n");

        Assert.Equal("Nurse", learned);
    }

    [Theory]
    [InlineData(FakeProtocol.OpenAI)]
    [InlineData(FakeProtocol.Ollama)]
    public async Task AnOptimizerModelThatStraysFromTheSchemasTypes_StillLearns(FakeProtocol protocol)
    {
        // As small local models without native structured output answer: names in another case, a list where one value
        // belongs, the session cited in words.
        var (_, learned) = await LearnFromOneSessionAsync(
            onlyDefaultTemperature: false,
            configure: _ => { },
            protocol: protocol,
            optimizerJson: """{"Edits":[{"Section":"Demographics","Field":"Career","Action":"set","Value":["Nurse","night shifts"],"Reason":"said so","Sessions":"Session 1"}]}""");

        Assert.Equal("Nurse, night shifts", learned);
    }

    // One session with the user (k = 1, inline), ended: the optimizer, answering from the fake server (OpenAI unless
    // given), learns the user's career, its JSON (optimizerJson, by default the schema's shape) after optimizerThinking.
    // Returns every request the server received and the career the persona holds afterwards.
    private static async Task<(List<(string Path, JsonObject Body)> Requests, string? Career)> LearnFromOneSessionAsync(
        bool onlyDefaultTemperature,
        Action<AiPersonaOptions> configure,
        Action<ServiceCollection, FakeLlmServer>? register = null,
        FakeProtocol protocol = FakeProtocol.OpenAI,
        string optimizerThinking = "",
        string optimizerJson = """{"edits":[{"section":"demographics","field":"career","action":"set","value":"Nurse","reason":"said so","sessions":["S1"]}]}""")
    {
        await using var server = await FakeLlmServer.StartAsync(
            protocol,
            body => FakeLlmServer.IsStructuredOutputRequest(body)
                ? optimizerThinking + optimizerJson
                : "Sure, here you go.",
            onlyDefaultTemperature: onlyDefaultTemperature);
        var services = new ServiceCollection();
        services.AddAiPersona(o =>
        {
            o.UpdateMode = PersonaUpdateMode.Inline;
            o.SessionsPerUpdate = 1;
            configure(o);
        });
        services.AddChatClient(CreateClient(protocol, server.BaseAddress)).UsePersonalization();
        register?.Invoke(services, server);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        await client.GetResponseAsync([new(ChatRole.User, "I work night shifts as a nurse.")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"));
        await client.GetService<PersonalizedChatClient>()!.EndSessionAsync("ana");

        List<(string Path, JsonObject Body)> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests];
        }

        return (requests, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("demographics", "career")?.Value);
    }

    // OpenAI's strict structured output refuses (HTTP 400) a schema whose root is not an object, or with an object that
    // allows other properties or leaves one of its properties out of "required" (optional values are nullable instead).
    private static void AssertStrictModeSchema(JsonNode schema, string path, bool isRoot = false)
    {
        var types = schema["type"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => [],
        };
        if (isRoot)
        {
            Assert.True(types.SequenceEqual(["object"]), $"{path}: the root must be an object, not [{string.Join(", ", types)}]");
        }

        if (types.Contains("object"))
        {
            var properties = schema["properties"]?.AsObject() ?? [];
            Assert.True(schema["additionalProperties"]?.GetValueKind() == JsonValueKind.False, $"{path}: additionalProperties must be false");
            var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
            Assert.True(required.SetEquals(properties.Select(p => p.Key)), $"{path}: every property must be required");
            foreach (var (name, property) in properties)
            {
                AssertStrictModeSchema(property!, $"{path}.{name}");
            }
        }

        if (schema["items"] is { } items)
        {
            AssertStrictModeSchema(items, $"{path}[]");
        }

        foreach (var branch in schema["anyOf"]?.AsArray() ?? [])
        {
            AssertStrictModeSchema(branch!, $"{path}|");
        }
    }

    private static IChatClient CreateClient(FakeProtocol protocol, Uri baseAddress) => protocol switch
    {
        FakeProtocol.OpenAI => new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(baseAddress, "v1/") })
            .GetChatClient("gpt-test")
            .AsIChatClient(),
        _ => new OllamaApiClient(baseAddress, "llama-test"),
    };
}
