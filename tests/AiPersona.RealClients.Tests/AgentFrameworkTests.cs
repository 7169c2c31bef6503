using System.ClientModel;
using System.Text.Json.Nodes;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

#pragma warning disable OPENAI001 // The responses client is marked experimental by the OpenAI library.

namespace AiPersona.RealClients.Tests;

/// <summary>Microsoft Agent Framework's <see cref="ChatClientAgent"/> over a personalized OpenAI client, as an app built
/// on agents would use AiPersona: the user goes in the run's <see cref="ChatOptions"/>, and each run of an agent session
/// resends the session's history (chat completions) or names the conversation the service keeps (responses).</summary>
public sealed class AgentFrameworkTests
{
    [Fact]
    public async Task AgentSessionOverChatCompletions_CarriesThePersonaEachRun_AndStoresEachMessageOnce()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, _ => "Noted.");
        await using var provider = await PersonalizedProvider.StartAsync(new OpenAIClient(new ApiKeyCredential("test-key"), Endpoint(server)).GetChatClient("gpt-test").AsIChatClient());
        var agent = new ChatClientAgent(provider.GetRequiredService<IChatClient>(), instructions: "You are a travel agent.", name: "Travel");
        var session = await agent.CreateSessionAsync();
        var options = new ChatClientAgentRunOptions(new ChatOptions().WithPersonaUser("ana"));

        Assert.Equal("Noted.", (await agent.RunAsync("Plan a trip", session, options)).Text);
        Assert.Equal("Noted.", (await agent.RunAsync("Make it shorter", session, options)).Text);
        await foreach (var _ in agent.RunStreamingAsync("And cheaper", session, options))
        {
        }

        var bodies = Bodies(server);
        Assert.Equal(3, bodies.Count);
        foreach (var body in bodies)
        {
            var messages = FakeLlmServer.MessagesOf(body);
            Assert.Equal(("system", "You are a travel agent."), messages[0]);
            Assert.Contains(PersonalizedProvider.AnasValue, messages[1].Content, StringComparison.Ordinal);
        }

        Assert.Equal(
            ["Plan a trip", "Noted.", "Make it shorter", "Noted.", "And cheaper"],
            FakeLlmServer.MessagesOf(bodies[2]).Skip(2).Select(m => m.Content));
        var stored = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(["Plan a trip", "Noted.", "Make it shorter", "Noted.", "And cheaper", "Noted."], stored.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AgentSessionOverResponses_CarriesThePersonaOnce_InTheConversationTheServiceKeeps()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, _ => "Noted.");
        await using var provider = await PersonalizedProvider.StartAsync(new OpenAIClient(new ApiKeyCredential("test-key"), Endpoint(server)).GetResponsesClient().AsIChatClient("gpt-test"));
        var agent = new ChatClientAgent(provider.GetRequiredService<IChatClient>(), instructions: "You are a travel agent.", name: "Travel");
        var session = await agent.CreateSessionAsync();
        var options = new ChatClientAgentRunOptions(new ChatOptions().WithPersonaUser("ana"));

        await agent.RunAsync("Plan a trip", session, options);
        await agent.RunAsync("Make it shorter", session, options);
        await foreach (var _ in agent.RunStreamingAsync("And cheaper", session, options))
        {
        }

        var bodies = Bodies(server);
        Assert.Equal([null, "resp_1", "resp_2"], bodies.Select(b => b["previous_response_id"]?.GetValue<string>()));
        Assert.Equal([true, false, false], bodies.Select(b => FakeLlmServer.InputsOf(b).Any(i => i.Content.Contains(PersonalizedProvider.AnasValue, StringComparison.Ordinal))));
        var stored = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(["Plan a trip", "Noted.", "Make it shorter", "Noted.", "And cheaper", "Noted."], stored.Messages.Select(m => m.Text));
        Assert.Equal("resp_3", stored.ConversationId);
    }

    private static OpenAIClientOptions Endpoint(FakeLlmServer server) => new() { Endpoint = new Uri(server.BaseAddress, "v1/") };

    private static List<JsonObject> Bodies(FakeLlmServer server)
    {
        lock (server.Requests)
        {
            return [.. server.Requests.Select(r => r.Body)];
        }
    }
}
