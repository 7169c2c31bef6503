using System.ClientModel;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

#pragma warning disable OPENAI001 // The responses client is marked experimental by the OpenAI library.

namespace AiPersona.RealClients.Tests;

/// <summary>MEAI's OpenAI responses client, which lets the service keep the conversation: each response hands back a new
/// conversation id (the response id), and the next request may send only its new messages with that id. AiPersona must
/// keep those turns in one session and send the persona once, not once per turn; a client that resends the history
/// without an id gets the persona every time, and its turns stay one session too.</summary>
public sealed class ResponsesApiTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChainedConversation_IsOneSessionWithThePersonaOnce_AndAnUnchainedOneGetsItEveryTurn(bool streaming)
    {
        await using var server = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, _ => "Noted.");
        await using var provider = await PersonalizedResponsesClientAsync(server);
        var client = provider.GetRequiredService<IChatClient>();

        // One conversation of three turns, continued under the id each response hands back.
        string? conversationId = null;
        for (var turn = 1; turn <= 3; turn++)
        {
            List<ChatMessage> messages = turn == 1
                ? [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "Turn 1")]
                : [new(ChatRole.User, $"Turn {turn}")];
            var response = await SendAsync(client, messages, new ChatOptions { ConversationId = conversationId }.WithPersonaUser("ana"), streaming);
            Assert.Equal("Noted.", response.Text);
            Assert.Equal($"resp_{turn}", response.ConversationId);
            conversationId = response.ConversationId;
        }

        // The app ends it; the next conversation resends its whole history each turn, without an id.
        await client.GetRequiredService<PersonalizedChatClient>().EndSessionAsync("ana");
        List<ChatMessage> history = [new(ChatRole.User, "Another topic")];
        history.AddRange((await SendAsync(client, history, new ChatOptions().WithPersonaUser("ana"), streaming)).Messages);
        history.Add(new(ChatRole.User, "More on it"));
        await SendAsync(client, history, new ChatOptions().WithPersonaUser("ana"), streaming);

        List<JsonObject> bodies;
        lock (server.Requests)
        {
            bodies = [.. server.Requests.Select(r => r.Body)];
        }

        Assert.Equal(5, bodies.Count);
        Assert.Equal([null, "resp_1", "resp_2", null, null], bodies.Select(b => b["previous_response_id"]?.GetValue<string>()));
        Assert.Equal([true, false, false, true, true], bodies.Select(b => FakeLlmServer.InputsOf(b).Any(i => i.Content.Contains(PersonalizedProvider.AnasValue, StringComparison.Ordinal))));
        Assert.Equal(("system", "You are a helpful assistant."), FakeLlmServer.InputsOf(bodies[0])[0]);

        // Each conversation is one session, each message stored once.
        var sessions = await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana");
        Assert.Equal(2, sessions.Count);
        Assert.Equal((SessionState.Completed, "resp_3"), (sessions[0].State, sessions[0].ConversationId));
        Assert.Equal(["Turn 1", "Noted.", "Turn 2", "Noted.", "Turn 3", "Noted."], sessions[0].Messages.Select(m => m.Text));
        Assert.Equal((SessionState.Open, "resp_5"), (sessions[1].State, sessions[1].ConversationId));
        Assert.Equal(["Another topic", "Noted.", "More on it", "Noted."], sessions[1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task BackgroundResponse_IsFetchedWithItsContinuationToken_AndItsReplyRecordedOnceFinished()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, _ => "Lisbon, then Porto.");
        await using var provider = await PersonalizedResponsesClientAsync(server);
        var client = provider.GetRequiredService<IChatClient>();

        // The model works in the background: the first response only hands back a token to fetch the reply with, and the
        // first fetch finds it still running. The client takes no messages beside a token (it throws when given any).
        var started = await client.GetResponseAsync([new(ChatRole.User, "Plan a long trip")], new ChatOptions { AllowBackgroundResponses = true }.WithPersonaUser("ana"));
        Assert.NotNull(started.ContinuationToken);
        var running = await client.GetResponseAsync([], new ChatOptions { ContinuationToken = started.ContinuationToken }.WithPersonaUser("ana"));
        Assert.NotNull(running.ContinuationToken);
        var finished = await client.GetResponseAsync([], new ChatOptions { ContinuationToken = running.ContinuationToken }.WithPersonaUser("ana"));
        Assert.Null(finished.ContinuationToken);
        Assert.Equal("Lisbon, then Porto.", finished.Text);

        List<(string Path, JsonObject Body)> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests];
        }

        Assert.Equal(["/v1/responses", "/v1/responses/resp_1", "/v1/responses/resp_1"], requests.Select(r => r.Path));
        Assert.True(requests[0].Body["background"]!.GetValue<bool>());
        Assert.Contains(FakeLlmServer.InputsOf(requests[0].Body), i => i.Content.Contains(PersonalizedProvider.AnasValue, StringComparison.Ordinal));

        // The request's message when it was sent, the reply once it was finished: each once, in one session.
        var session = Assert.Single(await provider.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal([("user", "Plan a long trip"), ("assistant", "Lisbon, then Porto.")], session.Messages.Select(m => (m.Role, m.Text)));
    }

    // MEAI's OpenAI responses client talking to the server, personalized.
    private static Task<ServiceProvider> PersonalizedResponsesClientAsync(FakeLlmServer server)
        => PersonalizedProvider.StartAsync(new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1/") })
            .GetResponsesClient()
            .AsIChatClient("gpt-test"));

    private static async Task<ChatResponse> SendAsync(IChatClient client, List<ChatMessage> messages, ChatOptions options, bool streaming)
        => streaming
            ? await client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync()
            : await client.GetResponseAsync(messages, options);
}
