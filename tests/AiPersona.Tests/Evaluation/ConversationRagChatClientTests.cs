using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Evaluation;

public sealed class ConversationRagChatClientTests
{
    [Fact]
    public async Task Streaming_AddsTheMostSimilarFinishedSessions_AsNonStreamingDoes_AndLeavesTheOpenOneOut()
    {
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create(), new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        await sessions.RecordTurnAsync("ana", "c1", [User("I am vegetarian, a dinner idea please")], [Assistant("Try a lentil curry.")]);
        await sessions.RecordTurnAsync("ana", "c2", [User("My bike has a flat tyre")], [Assistant("Patch the tube.")]);
        await sessions.RecordTurnAsync("ana", "c3", [User("dinner tonight, still open")], [Assistant("...")]); // the open session
        List<IList<ChatMessage>> sent = [];
        var model = new TestChatClient
        {
            GetResponseAsyncCallback = (m, _, _) => { sent.Add(m); return Task.FromResult(new ChatResponse(Assistant("ok"))); },
            GetStreamingResponseAsyncCallback = (m, _, _) => { sent.Add(m); return Updates("o", "k"); },
        };
        using var rag = new ConversationRagChatClient(model, sessions, embeddings: null, topSessions: 1);
        ChatMessage[] request = [new(ChatRole.System, "You are helpful."), User("Any dinner ideas?")];
        var options = new ChatOptions().WithPersonaUser("ana");

        var streamed = await rag.GetStreamingResponseAsync(request, options).ToChatResponseAsync();
        await rag.GetResponseAsync(request, options);

        Assert.Equal("ok", streamed.Text);
        Assert.Equal(sent[0].Select(m => m.Text), sent[1].Select(m => m.Text));
        var context = sent[0][1];
        Assert.Equal(ChatRole.System, context.Role); // after the app's own system prompt
        Assert.Contains("lentil curry", context.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("flat tyre", context.Text, StringComparison.Ordinal); // top 1 only
        Assert.DoesNotContain("still open", context.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAUserOrAQuery_TheRequestGoesOutAsItIs()
    {
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        IList<ChatMessage>? sent = null;
        var model = new TestChatClient { GetResponseAsyncCallback = (m, _, _) => { sent = m; return Task.FromResult(new ChatResponse(Assistant("ok"))); } };
        using var rag = new ConversationRagChatClient(model, sessions, embeddings: null, topSessions: 3);

        await rag.GetResponseAsync([User("hello")]);
        Assert.Single(sent!);
        await rag.GetResponseAsync([new ChatMessage(ChatRole.System, "only a prompt")], new ChatOptions().WithPersonaUser("ana"));
        Assert.Single(sent!);
    }

    [Fact]
    public async Task ALongSessionIsCutTo1500Characters_NeverInsideAnEmoji()
    {
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        var said = new string('a', 1_499 - "user: ".Length) + "😀 and then much more about dinner";
        await sessions.RecordTurnAsync("ana", "c1", [User(said)], [Assistant("ok")]);
        await sessions.EndSessionAsync("ana");
        IList<ChatMessage>? sent = null;
        var model = new TestChatClient { GetResponseAsyncCallback = (m, _, _) => { sent = m; return Task.FromResult(new ChatResponse(Assistant("ok"))); } };
        using var rag = new ConversationRagChatClient(model, sessions, embeddings: null, topSessions: 1);

        await rag.GetResponseAsync([User("dinner?")], new ChatOptions().WithPersonaUser("ana"));

        var context = sent![0].Text;
        Assert.Contains("user: " + new string('a', 1_499 - "user: ".Length) + "…", context, StringComparison.Ordinal); // the emoji left out whole
        Assert.Equal(-1, UnicodeText.IndexOfLoneSurrogate(context));
    }

    [Fact]
    public async Task WithAnEmbeddingModel_ItsVectorsRank_AndEachFinishedSessionIsEmbeddedOnce()
    {
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        await sessions.RecordTurnAsync("ana", "c1", [User("Tell me about the weather")], [Assistant("Sunny, [first].")]);
        await sessions.RecordTurnAsync("ana", "c2", [User("Any dinner ideas tonight?")], [Assistant("Pasta, [second].")]);
        await sessions.EndSessionAsync("ana");
        List<List<string>> embedded = [];
        var embeddings = new Mock<IEmbeddingGenerator<string, Embedding<float>>>();
        embeddings
            .Setup(e => e.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IEnumerable<string> inputs, EmbeddingGenerationOptions? _, CancellationToken _) =>
            {
                embedded.Add([.. inputs]);
                // The query and the weather session point one way, everything else the other: word overlap would pick dinner.
                return new GeneratedEmbeddings<Embedding<float>>(embedded[^1].Select((text, i) =>
                    new Embedding<float>(i == 0 || text.Contains("[first]", StringComparison.Ordinal) ? new[] { 1f, 0f } : [0f, 1f])));
            });
        List<IList<ChatMessage>> sent = [];
        var model = new TestChatClient { GetResponseAsyncCallback = (m, _, _) => { sent.Add(m); return Task.FromResult(new ChatResponse(Assistant("ok"))); } };
        using var rag = new ConversationRagChatClient(model, sessions, embeddings.Object, topSessions: 1);
        var options = new ChatOptions().WithPersonaUser("ana");

        await rag.GetResponseAsync([User("Any dinner ideas tonight?")], options);
        await sessions.RecordTurnAsync("ana", "c3", [User("And for lunch?")], [Assistant("A salad, [third].")]);
        await sessions.EndSessionAsync("ana");
        await rag.GetResponseAsync([User("dinner ideas again")], options);

        Assert.Contains("[first]", sent[0][0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("[second]", sent[0][0].Text, StringComparison.Ordinal);
        Assert.Equal(2, embedded.Count);
        Assert.Equal(["Any dinner ideas tonight?", "user: Tell me about the weather\nassistant: Sunny, [first].", "user: Any dinner ideas tonight?\nassistant: Pasta, [second]."], embedded[0]);
        Assert.Equal(["dinner ideas again", "user: And for lunch?\nassistant: A salad, [third]."], embedded[1]); // only the new session
        Assert.Contains("[first]", sent[1][0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 2)] // one embedding short
    [InlineData(2, 3)] // the session's vector has another dimension than the query's
    public async Task AnEmbeddingModelThatAnswersOutOfShape_FailsTheCallWithAMessage(int returned, int sessionDimensions)
    {
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        await sessions.RecordTurnAsync("ana", "c1", [User("weather?")], [Assistant("Sunny.")]);
        await sessions.EndSessionAsync("ana");
        var embeddings = new Mock<IEmbeddingGenerator<string, Embedding<float>>>();
        embeddings
            .Setup(e => e.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedEmbeddings<Embedding<float>>(
                Enumerable.Range(0, returned).Select(i => new Embedding<float>(new float[i == 0 ? 2 : sessionDimensions]))));
        var model = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(Assistant("ok"))) };
        using var rag = new ConversationRagChatClient(model, sessions, embeddings.Object, topSessions: 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => rag.GetResponseAsync([User("weather today?")], new ChatOptions().WithPersonaUser("ana")));

        Assert.Contains(returned == 1 ? "returned 1 embeddings for 2 inputs" : "vectors of 2 and 3 dimensions", error.Message, StringComparison.Ordinal);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(params string[] parts)
    {
        foreach (var part in parts)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, part);
        }
    }
}
