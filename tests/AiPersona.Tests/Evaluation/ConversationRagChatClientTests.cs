using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
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

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(params string[] parts)
    {
        foreach (var part in parts)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, part);
        }
    }
}
