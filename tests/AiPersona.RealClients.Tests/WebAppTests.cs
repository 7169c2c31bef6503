using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiPersona.RealClients.Tests.WebApp;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.RealClients.Tests;

/// <summary>AiPersona in an ASP.NET Core app set up as docs/recipes.md says (<see cref="ChatWebApp"/>): a browser's HTTP
/// requests, signed in by ASP.NET Core authentication, reach MEAI's OpenAI client over AiPersona, which talks HTTP to a
/// fake model server. Nothing is mocked between the browser and the model's wire.</summary>
public sealed class WebAppTests
{
    private const string Answer = "Sure, here you go.";

    [Theory]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    public async Task SignedInUsersChattingInParallel_EachGetOnlyWhatWasLearnedFromTheirOwnSessions_AndAnonymousRequestsNone(ServiceLifetime chatClientLifetime)
    {
        await using var model = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, LearnWhoIsTalking);
        await using var app = await ChatWebApp.StartAsync(model.BaseAddress, chatClientLifetime);
        using var browser = new HttpClient { BaseAddress = app.BaseAddress };
        var store = app.Services.GetRequiredService<IPersonaStore>();

        async Task ChatAsync(string user, string name)
        {
            for (var session = 1; session <= 4; session++)
            {
                Assert.Equal(Answer, await PostAsync(browser, user, $"trip-{session}", ("user", $"I am {name}. Question {session}")));
            }

            // The fourth conversation's first turn ended the third session: three are pending, and the update runs in
            // the background, after that turn was answered. Once it is done, the app's cached copy is the new one.
            await WaitUntilAsync(async () => (await store.GetAsync(user)).Version > 0, $"{user}'s persona to be updated");
            await app.Services.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();
            Assert.Equal(Answer, await PostAsync(browser, user, "trip-4", ("user", $"I am {name}. Question 4"), ("assistant", Answer), ("user", $"One more, from {name}")));
        }

        await Task.WhenAll(ChatAsync("alice", "Alice"), ChatAsync("bob", "Bob"));
        Assert.Equal(Answer, await PostAsync(browser, user: null, "lobby", ("user", "An anonymous question")));

        Assert.Equal("Hikes in the Alps every summer", (await store.GetAsync("alice")).GetValue("personality", "values_and_interests")!.Value);
        Assert.Equal("Plays jazz piano at night", (await store.GetAsync("bob")).GetValue("personality", "values_and_interests")!.Value);
        List<JsonObject> bodies;
        lock (model.Requests)
        {
            bodies = [.. model.Requests.Select(r => r.Body)];
        }

        Assert.Equal(2, bodies.Count(FakeLlmServer.IsStructuredOutputRequest));
        string PersonaSentWith(string userText) => string.Join("\n", FakeLlmServer.MessagesOf(Assert.Single(bodies, b => FakeLlmServer.MessagesOf(b).Any(m => m.Content == userText)))
            .Where(m => m.Role == "system" && m.Content.Contains("<user_persona>", StringComparison.Ordinal))
            .Select(m => m.Content));
        Assert.Contains("Hikes in the Alps every summer", PersonaSentWith("One more, from Alice"), StringComparison.Ordinal);
        Assert.DoesNotContain("jazz", PersonaSentWith("One more, from Alice"), StringComparison.Ordinal);
        Assert.Contains("Plays jazz piano at night", PersonaSentWith("One more, from Bob"), StringComparison.Ordinal);
        Assert.DoesNotContain("Alps", PersonaSentWith("One more, from Bob"), StringComparison.Ordinal);
        Assert.Empty(PersonaSentWith("An anonymous question"));
        Assert.Empty(PersonaSentWith("I am Alice. Question 1"));
    }

    [Fact]
    public async Task AStreamTheBrowserAbandonsPartWay_RecordsNothing_AndTheTurnSentAgainIsStoredOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var model = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, _ => Answer, holdStream: _ => release.Task);
        await using var app = await ChatWebApp.StartAsync(model.BaseAddress);
        using var browser = new HttpClient { BaseAddress = app.BaseAddress };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        using (var request = Request("/chat/stream", "carol", "weekend", ("user", "Plan my weekend")))
        {
            using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer, timeout.Token) > 0, "the first piece of the answer reached the browser");
        }

        // The browser went away with the answer half-way; the model server still holds the rest.
        Assert.Equal("abandoned by the browser", await app.NextStreamOutcomeAsync(timeout.Token));
        release.SetResult();
        var sessions = app.Services.GetRequiredService<ISessionManager>();
        Assert.Empty((await sessions.GetSessionsAsync("carol", timeout.Token)).SelectMany(s => s.Messages));

        // The page sends the turn again, and this time the answer arrives whole.
        Assert.Equal(Answer, await PostAsync(browser, "carol", "weekend", ("user", "Plan my weekend")));
        var stored = Assert.Single(await sessions.GetSessionsAsync("carol", timeout.Token), s => s.Messages.Count > 0);
        Assert.Equal([("user", "Plan my weekend"), ("assistant", Answer)], stored.Messages.Select(m => (m.Role, m.Text)));
    }

    // The optimizer learns one thing, from whose sessions it reads; sessions of two users in one update would show.
    private static string LearnWhoIsTalking(JsonObject body)
    {
        if (!FakeLlmServer.IsStructuredOutputRequest(body))
        {
            return Answer;
        }

        var transcript = string.Join("\n", FakeLlmServer.MessagesOf(body).Select(m => m.Content));
        var value = (transcript.Contains("I am Alice", StringComparison.Ordinal), transcript.Contains("I am Bob", StringComparison.Ordinal)) switch
        {
            (true, false) => "Hikes in the Alps every summer",
            (false, true) => "Plays jazz piano at night",
            _ => "Read sessions of more than one user, or of none",
        };
        return $$"""{"edits":[{"section":"personality","field":"values_and_interests","action":"set","value":"{{value}}","reason":"said so","sessions":["S1","S2","S3"]}]}""";
    }

    private static HttpRequestMessage Request(string path, string? user, string conversationId, params (string Role, string Text)[] messages)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(new ChatTurnRequest(conversationId, [.. messages.Select(m => new ChatTurnMessage(m.Role, m.Text))])),
        };
        if (user is not null)
        {
            request.Headers.Add(HeaderAuthenticationHandler.HeaderName, user);
        }

        return request;
    }

    private static async Task<string> PostAsync(HttpClient browser, string? user, string conversationId, params (string Role, string Text)[] messages)
    {
        using var request = Request("/chat", user, conversationId, messages);
        using var response = await browser.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited a minute for {what}.");
            await Task.Delay(20);
        }
    }
}
