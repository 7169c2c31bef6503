using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Sessions;

public sealed class SessionManagerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemorySessionStore _store = new();
    private readonly SessionManager _manager;

    private static async Task<string> CompleteSessionAsync(SessionManager manager, string conversationId, string text)
    {
        var turn = await manager.RecordTurnAsync("u", conversationId, [User(text)], [Assistant($"reply to {text}")]);
        await manager.EndSessionAsync("u");
        return turn.SessionId;
    }

    public SessionManagerTests() => _manager = new SessionManager(_store, TestOptions.Create(o => o.SessionIdleTimeout = TimeSpan.FromMinutes(30)), _time);

    [Fact]
    public async Task StartingAConversation_WithItsFirstMessageAlone_SearchesNoEarlierSession()
    {
        // Looking up a conversation's earlier session reads through the user's sessions (newest first, until it shows up):
        // a request of one message has no history to compare, so it skips the search; a resent history does not.
        var (store, counter) = CallCountingProxy<ISessionStore>.Wrap(_store);
        var manager = new SessionManager(store, TestOptions.Create(), _time);
        await manager.RecordTurnAsync("u", "A", [User("Plan a trip to Porto")], [Assistant("When do you travel?")]);

        await manager.RecordTurnAsync("u", "B", [User("Fix my CV")], [Assistant("Send it over")]);
        Assert.Equal(0, counter.Count(nameof(ISessionStore.GetLatestSessionOfConversationAsync)));

        await manager.RecordTurnAsync("u", "A", [User("Plan a trip to Porto"), Assistant("When do you travel?"), User("In May")], [Assistant("Lovely")]);
        Assert.Equal(1, counter.Count(nameof(ISessionStore.GetLatestSessionOfConversationAsync)));
        Assert.Equal(["In May", "Lovely"], (await manager.GetSessionsAsync("u"))[^1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ATurnThatAddsNothing_WritesNothing_SoTheIdleTimeoutCountsFromTheLastMessage()
    {
        // The conversation resent as it was, and the model returned no message (a content filter, say): nothing new, so
        // no write, and the session's last activity stays at its last real message.
        var (store, counter) = CallCountingProxy<ISessionStore>.Wrap(_store);
        var manager = new SessionManager(store, TestOptions.Create(o => o.SessionIdleTimeout = TimeSpan.FromMinutes(30)), _time);
        await manager.RecordTurnAsync("u", "c", [User("Plan a trip to Porto")], [Assistant("When do you travel?")]);
        var lastActivity = Assert.Single(await manager.GetSessionsAsync("u")).LastActivityAt;
        _time.Advance(TimeSpan.FromMinutes(20));

        var turn = await manager.RecordTurnAsync("u", "c", [User("Plan a trip to Porto"), Assistant("When do you travel?")], []);

        Assert.Equal(0, turn.AddedMessageCount);
        Assert.Equal(0, counter.Count(nameof(ISessionStore.AppendMessagesAsync)));
        Assert.Equal(lastActivity, Assert.Single(await manager.GetSessionsAsync("u")).LastActivityAt);
    }

    [Fact]
    public async Task AClientSendingOnlyItsNewMessage_WhatTheUserSaidInAnEarlierSessionOfTheConversation_IsStoredAgain()
    {
        // Session 1 of conversation c ended with the user's "hi" (the model gave no reply: a content filter, say); after an
        // idle timeout session 2 is open. A client that sends only the new message has no history to match against
        // session 1: "hi" said again is a new message, not session 1's last one resent.
        await _manager.RecordTurnAsync("u", "c", [User("hi")], []);
        _time.Advance(TimeSpan.FromHours(1));
        await _manager.RecordTurnAsync("u", "c", [User("What's the weather?")], [Assistant("Sunny")]);

        await _manager.RecordTurnAsync("u", "c", [User("hi")], [Assistant("hello")]);

        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal(["hi"], sessions[0].Messages.Select(m => m.Text));
        Assert.Equal(["What's the weather?", "Sunny", "hi", "hello"], sessions[^1].Messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData(true, "<think>\n")]
    [InlineData(false, "<think>\n")]
    [InlineData(true, "")] // the chat template opened the thinking in the prompt (Qwen3 Thinking-2507): no <think> in the reply
    [InlineData(false, "")]
    public async Task TheThinkingAReasoningModelWritesBeforeItsReply_IsNotStored_WhetherTheAppResendsItOrNot(bool resentWithThinking, string opening)
    {
        // DeepSeek-R1 or Qwen3 through a server without a reasoning channel: the user never sees the thinking, and the
        // optimizer must not read the assistant's guesses about the user as what the user said.
        var reply = opening + "She may be vegan, given the salad talk.\n</think>\n\nHere are three places near you.";
        await _manager.RecordTurnAsync("u", "c", [User("Where can I eat tonight?")], [Assistant(reply)]);

        await _manager.RecordTurnAsync("u", "c", [User("Where can I eat tonight?"), Assistant(resentWithThinking ? reply : "Here are three places near you."), User("<think> is a tag I use, and I am not vegan.")], [Assistant("Noted.")]);

        Assert.Equal(
            ["Where can I eat tonight?", "Here are three places near you.", "<think> is a tag I use, and I am not vegan.", "Noted."],
            Assert.Single(await _manager.GetSessionsAsync("u")).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ReturningToAnEarlierConversation_StoresOnlyItsNewMessages()
    {
        // Two chats of one user (two tabs, or a chat list): A, then B, then back to A with A's whole history resent.
        List<ChatMessage> a = [User("Plan a trip to Porto")];
        await _manager.RecordTurnAsync("u", "A", a, [Assistant("When do you travel?")]);
        await _manager.RecordTurnAsync("u", "B", [User("Fix my CV")], [Assistant("Send it over")]);
        a.Add(Assistant("When do you travel?"));
        a.Add(User("In May"));

        var result = await _manager.RecordTurnAsync("u", "A", a, [Assistant("May is lovely there")]);

        Assert.Equal(2, result.AddedMessageCount);
        var sessions = await _manager.GetSessionsAsync("u");
        var all = sessions.SelectMany(s => s.Messages).Select(m => m.Text).ToList();
        Assert.Single(all, t => t == "Plan a trip to Porto");
        Assert.Single(all, t => t == "When do you travel?");
    }

    [Fact]
    public async Task ARegeneratedReplyAndAnEditedMessage_StoreOnlyWhatIsNew()
    {
        List<ChatMessage> shown = [User("I need a laptop")];
        await _manager.RecordTurnAsync("u", "c1", shown, [Assistant("What budget?")]);
        shown.AddRange([Assistant("What budget?"), User("Under 1000 euros")]);
        await _manager.RecordTurnAsync("u", "c1", shown, [Assistant("Here are three options")]);

        // "Regenerate": the same conversation up to the user's last message.
        var regenerated = await _manager.RecordTurnAsync("u", "c1", shown, [Assistant("Here are two options")]);
        // "Edit": the user's last message changed; the conversation shown ends there.
        shown[^1] = User("Under 800 euros");
        var edited = await _manager.RecordTurnAsync("u", "c1", shown, [Assistant("Here is one option")]);

        Assert.Equal((1, 2), (regenerated.AddedMessageCount, edited.AddedMessageCount));
        var session = Assert.Single(await _manager.GetSessionsAsync("u"));
        Assert.Equal(
            ["I need a laptop", "What budget?", "Under 1000 euros", "Here are three options", "Here are two options", "Under 800 euros", "Here is one option"],
            session.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ATurnWithNothingToStore_StartsNoSession()
    {
        // Only the app's system prompt, and an empty reply (a stream that brought no text): there is no conversation yet.
        var result = await _manager.RecordTurnAsync("u", "c1", [new ChatMessage(ChatRole.System, "You are helpful.")], []);

        Assert.Equal((string.Empty, 0), (result.SessionId, result.AddedMessageCount));
        Assert.Empty(await _manager.GetSessionsAsync("u"));
    }

    [Fact]
    public async Task ResentConversation_StoresEachMessageOnce()
    {
        List<ChatMessage> history = [new(ChatRole.System, "You are helpful."), User("I need a laptop")];
        await _manager.RecordTurnAsync("u", null, history, [Assistant("What budget?")]);
        history.Add(Assistant("What budget?"));
        history.Add(User("Under 1000 euros"));
        await _manager.RecordTurnAsync("u", null, history, [Assistant("Here are three options")]);
        history.Add(Assistant("Here are three options"));
        history.Add(User("Thanks"));

        var result = await _manager.RecordTurnAsync("u", null, history, [Assistant("You're welcome")]);

        Assert.Equal(2, result.AddedMessageCount);
        var session = Assert.Single(await _manager.GetSessionsAsync("u"));
        Assert.Equal(
            ["I need a laptop", "What budget?", "Under 1000 euros", "Here are three options", "Thanks", "You're welcome"],
            session.Messages.Select(m => m.Text));
        Assert.DoesNotContain(session.Messages, m => m.Role == "system");
    }

    [Fact]
    public async Task SlidingWindowClient_StoresOnlyNewMessages()
    {
        await _manager.RecordTurnAsync("u", null, [User("a")], [Assistant("b")]);
        await _manager.RecordTurnAsync("u", null, [User("a"), Assistant("b"), User("c")], [Assistant("d")]);

        // The client dropped the oldest messages from its window.
        var result = await _manager.RecordTurnAsync("u", null, [User("c"), Assistant("d"), User("e")], [Assistant("f")]);

        Assert.Equal(2, result.AddedMessageCount);
        Assert.Equal(["a", "b", "c", "d", "e", "f"], (await _manager.GetSessionsAsync("u")).Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AfterAnEmptyReply_TheUserRepeatingThemself_IsStored()
    {
        // The model's reply was empty (nothing to store), so the user says the same thing again; the client resends all.
        await _manager.RecordTurnAsync("u", null, [User("continue")], [Assistant("")]);

        var result = await _manager.RecordTurnAsync("u", null, [User("continue"), Assistant(""), User("continue")], [Assistant("Here is more")]);

        Assert.Equal(2, result.AddedMessageCount);
        Assert.Equal(["continue", "continue", "Here is more"], (await _manager.GetSessionsAsync("u")).Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AnotherFirstReply_StoresOnlyTheNewReply_AndTheConversationGoesOnFromIt()
    {
        // A client that resends its history (no conversation id) asks for another reply to the user's first message.
        await _manager.RecordTurnAsync("u", null, [User("Suggest a book")], [Assistant("Dune")]);
        var regenerated = await _manager.RecordTurnAsync("u", null, [User("Suggest a book")], [Assistant("Emma")]);
        await _manager.RecordTurnAsync("u", null, [User("Suggest a book"), Assistant("Emma"), User("Something shorter")], [Assistant("Candide")]);

        Assert.Equal(1, regenerated.AddedMessageCount);
        Assert.Equal(["Suggest a book", "Dune", "Emma", "Something shorter", "Candide"], Assert.Single(await _manager.GetSessionsAsync("u")).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AGreetingTheAppShowsAboveTheFirstQuestion_IsStoredOnce_WhenTheUserEditsThatQuestion()
    {
        var greeting = Assistant("Hi! Where would you like to go?");
        await _manager.RecordTurnAsync("u", "trip", [greeting, User("Porto")], [Assistant("Porto in May?")]);
        var edited = await _manager.RecordTurnAsync("u", "trip", [greeting, User("Lisbon")], [Assistant("Lisbon in May?")]);

        Assert.Equal(2, edited.AddedMessageCount);
        Assert.Equal(
            ["Hi! Where would you like to go?", "Porto", "Porto in May?", "Lisbon", "Lisbon in May?"],
            Assert.Single(await _manager.GetSessionsAsync("u")).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AFirstMessageSaidAgain_AfterTheSessionEnded_StartsTheNextSession()
    {
        await _manager.RecordTurnAsync("u", null, [User("hi")], [Assistant("Hello!")]);
        _time.Advance(TimeSpan.FromMinutes(31));

        await _manager.RecordTurnAsync("u", null, [User("hi")], [Assistant("Welcome back")]);

        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal(["hi", "Welcome back"], sessions[1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task AnotherFirstReply_InAConversationTheAppNamesButTheServiceDoesNotKeep_StoresOnlyTheNewReply()
    {
        // The app labels its conversations (ChatOptions.ConversationId) and resends the history: the service answers
        // without a conversation id of its own.
        await _manager.RecordTurnAsync("u", "trip", [User("Plan my weekend")], [Assistant("Hiking?")]);
        await _manager.RecordTurnAsync("u", "trip", [User("Plan my weekend")], [Assistant("Museums?")]);

        Assert.Equal(["Plan my weekend", "Hiking?", "Museums?"], Assert.Single(await _manager.GetSessionsAsync("u")).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ClientOfAConversationTheServiceKeeps_SendingOnlyTheNewMessage_IsStoredInFull()
    {
        // The service keeps the conversation (its responses hand back an id), so the client sends only its new message,
        // and a user who says the same thing twice said it twice: under a stable id, and under ids chained per response.
        await _manager.RecordTurnAsync("u", "conv_1", [User("yes")], [Assistant("ok")], responseConversationId: "conv_1");
        var result = await _manager.RecordTurnAsync("u", "conv_1", [User("yes")], [Assistant("done")], responseConversationId: "conv_1");

        Assert.Equal(2, result.AddedMessageCount);
        Assert.Equal(["yes", "ok", "yes", "done"], Assert.Single(await _manager.GetSessionsAsync("u")).Messages.Select(m => m.Text));

        await _manager.RecordTurnAsync("v", null, [User("yes")], [Assistant("ok")], responseConversationId: "resp_1");
        await _manager.RecordTurnAsync("v", "resp_1", [User("yes")], [Assistant("done")], responseConversationId: "resp_2");
        await _manager.RecordTurnAsync("v", "resp_2", [User("yes")], [Assistant("booked")], responseConversationId: "resp_3");

        Assert.Equal(["yes", "ok", "yes", "done", "yes", "booked"], Assert.Single(await _manager.GetSessionsAsync("v")).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task IdleTimeout_CompletesTheSession_WithoutStoringResentMessagesAgain()
    {
        await _manager.RecordTurnAsync("u", null, [User("first")], [Assistant("reply")]);
        _time.Advance(TimeSpan.FromMinutes(29));
        var stillOpen = await _manager.RecordTurnAsync("u", null, [User("first"), Assistant("reply"), User("second")], [Assistant("reply 2")]);
        Assert.Equal(0, stillOpen.PendingSessionCount);

        _time.Advance(TimeSpan.FromMinutes(30));
        var after = await _manager.RecordTurnAsync("u", null, [User("first"), Assistant("reply"), User("second"), Assistant("reply 2"), User("third")], [Assistant("reply 3")]);

        Assert.Equal(1, after.PendingSessionCount);
        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal(2, sessions.Count);
        Assert.Equal(SessionState.Completed, sessions[0].State);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMinutes(30), sessions[0].EndedAt);
        Assert.Equal(["third", "reply 3"], sessions[1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task EditingTheFirstMessageOfASessionThatContinuesAConversation_StoresOnlyTheEditedMessage()
    {
        // The user comes back to "trip" after the idle timeout: the next session holds only what is said from then on,
        // while the client still sends the earlier session's messages in front of it.
        List<ChatMessage> shown = [User("Plan a trip to Porto")];
        await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("When do you travel?")]);
        shown.AddRange([Assistant("When do you travel?"), User("In May")]);
        await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("May is lovely there")]);
        _time.Advance(TimeSpan.FromMinutes(31));
        shown.AddRange([Assistant("May is lovely there"), User("Book a hotel")]);
        await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("Which area?")]);

        // The user edits "Book a hotel", the open session's first message: the request follows that session nowhere.
        shown[^1] = User("Book a hostel");
        var edited = await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("Which area, for the hostel?")]);

        Assert.Equal(2, edited.AddedMessageCount);
        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal(
            [["Plan a trip to Porto", "When do you travel?", "In May", "May is lovely there"], ["Book a hotel", "Which area?", "Book a hostel", "Which area, for the hostel?"]],
            sessions.Select(s => s.Messages.Select(m => m.Text)));

        // Another conversation's sessions in between change nothing: the earlier session is the conversation's own.
        _time.Advance(TimeSpan.FromMinutes(31));
        await _manager.RecordTurnAsync("u", "cv", [User("Fix my CV")], [Assistant("Send it over")]);
        shown.AddRange([Assistant("Which area, for the hostel?"), User("Near the river")]);
        await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("Ribeira, then")]);
        shown[^1] = User("Near the station");
        var editedAgain = await _manager.RecordTurnAsync("u", "trip", shown, [Assistant("Sao Bento, then")]);

        Assert.Equal(2, editedAgain.AddedMessageCount);
        Assert.Equal(["Near the river", "Ribeira, then", "Near the station", "Sao Bento, then"], (await _manager.GetSessionsAsync("u"))[^1].Messages.Select(m => m.Text));
    }

    /// <summary>
    /// A conversation goes on after its first session ended (the app ended it here; an idle timeout ends it alike): in the
    /// next session the user may send a new message, ask for another reply, or edit any of their messages shown, those of
    /// the earlier session and the next session's first included; the client resends the conversation as it shows it. Every
    /// text is unique, so what must be stored is exact: the next session holds each message said in it once, in the order
    /// said, and the earlier session is left as it was. Generated (seeded), for a conversation with an id and one without.
    /// </summary>
    [Theory]
    [InlineData("trip")]
    [InlineData(null)]
    public async Task EditsAndRegeneratedReplies_InTheSessionThatContinuesAConversation_AreStoredOnce(string? conversationId)
    {
        var random = new Random(13);
        for (var conversation = 0; conversation < 300; conversation++)
        {
            var user = $"u{conversation}";
            var next = 0;
            ChatMessage New(ChatRole role) => new(role, $"{role.Value[0]}{next++}");
            List<ChatMessage> earlier = [];
            for (var i = 0; i < 2 + (random.Next(3) * 2); i++)
            {
                earlier.Add(New(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant));
            }

            await _manager.RecordTurnAsync(user, conversationId, earlier[..^1], [earlier[^1]]);
            await _manager.EndSessionAsync(user);

            List<ChatMessage> shown = [.. earlier];
            List<string> said = [];
            List<string> steps = [];
            for (var turn = 0; turn < 8; turn++)
            {
                var userTurns = Enumerable.Range(0, shown.Count).Where(i => shown[i].Role == ChatRole.User).ToList();
                var action = random.Next(turn > 0 ? 3 : 2);
                if (action == 0)
                {
                    shown.Add(New(ChatRole.User));
                    said.Add(shown[^1].Text);
                    steps.Add("new");
                }
                else if (action == 1)
                {
                    var edited = userTurns[random.Next(userTurns.Count)];
                    shown.RemoveRange(edited, shown.Count - edited);
                    shown.Add(New(ChatRole.User));
                    said.Add(shown[^1].Text);
                    steps.Add($"edit {edited}");
                }
                else
                {
                    shown.RemoveAt(shown.Count - 1); // another reply to the last user message, which the next session holds
                    steps.Add("regenerate");
                }

                var reply = New(ChatRole.Assistant);
                await _manager.RecordTurnAsync(user, conversationId, [.. shown], [reply]);
                shown.Add(reply);
                said.Add(reply.Text);

                var sessions = await _manager.GetSessionsAsync(user);
                var context = $"conversation {conversation}, earlier [{string.Join(", ", earlier.Select(m => m.Text))}], steps [{string.Join(", ", steps)}]";
                Assert.True(sessions.Count == 2, context);
                Assert.True(sessions[0].Messages.Select(m => m.Text).SequenceEqual(earlier.Select(m => m.Text)), context);
                Assert.True(
                    sessions[1].Messages.Select(m => m.Text).SequenceEqual(said),
                    $"{context}: said [{string.Join(", ", said)}], stored [{string.Join(", ", sessions[1].Messages.Select(m => m.Text))}]");
            }
        }
    }

    [Fact]
    public async Task IdleSession_BecomesPendingWithoutANewTurn()
    {
        await _manager.RecordTurnAsync("u", null, [User("hello")], [Assistant("hi")]);
        Assert.Empty(await _manager.GetPendingSessionsAsync("u"));

        _time.Advance(TimeSpan.FromMinutes(31));

        Assert.Single(await _manager.GetPendingSessionsAsync("u"));
    }

    [Fact]
    public async Task NewConversationId_CompletesTheOpenSession()
    {
        await _manager.RecordTurnAsync("u", "c1", [User("about cooking")], [Assistant("sure")]);

        var result = await _manager.RecordTurnAsync("u", "c2", [User("about travel")], [Assistant("sure")]);

        Assert.Equal(1, result.PendingSessionCount);
        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal([("c1", SessionState.Completed), ("c2", SessionState.Open)], sessions.Select(s => (s.ConversationId!, s.State)));
    }

    [Fact]
    public async Task EndSession_CompletesAndReportsPendingCount()
    {
        await _manager.RecordTurnAsync("u", null, [User("one")], [Assistant("1")]);
        Assert.Equal(1, await _manager.EndSessionAsync("u"));
        await _manager.RecordTurnAsync("u", null, [User("two")], [Assistant("2")]);
        Assert.Equal(2, await _manager.EndSessionAsync("u"));
        Assert.Equal(2, await _manager.EndSessionAsync("u")); // nothing open: unchanged
    }

    [Fact]
    public async Task AfterEndSession_AResentConversationOpensANewSessionWithOnlyTheNewMessages()
    {
        await _manager.RecordTurnAsync("u", null, [User("first")], [Assistant("reply")]);
        await _manager.EndSessionAsync("u");

        await _manager.RecordTurnAsync("u", null, [User("first"), Assistant("reply"), User("second")], [Assistant("reply 2")]);

        var sessions = await _manager.GetSessionsAsync("u");
        Assert.Equal(["second", "reply 2"], sessions[1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task BeginTurn_ClosesTheSessionThatANewConversationEnds_BeforeAnythingIsRecorded()
    {
        await _manager.RecordTurnAsync("u", "c1", [User("one")], [Assistant("1")]);

        Assert.Equal(0, await _manager.BeginTurnAsync("u", "c1"));
        Assert.Equal(1, await _manager.BeginTurnAsync("u", "c2"));
        Assert.Single(await _manager.GetSessionsAsync("u"));
    }

    [Fact]
    public async Task BeginTurn_ClosesAnIdleSession()
    {
        await _manager.RecordTurnAsync("u", null, [User("one")], [Assistant("1")]);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, await _manager.BeginTurnAsync("u", null));
    }

    [Fact]
    public async Task MarkLearned_RemovesOnlyTheGivenSessionsFromPending()
    {
        await _manager.RecordTurnAsync("u", "a", [User("one")], []);
        await _manager.RecordTurnAsync("u", "b", [User("two")], []);
        await _manager.RecordTurnAsync("u", "c", [User("three")], []);
        var pending = await _manager.GetPendingSessionsAsync("u");
        Assert.Equal(2, pending.Count);

        await _manager.MarkLearnedAsync("u", [pending[0].Id]);

        var left = Assert.Single(await _manager.GetPendingSessionsAsync("u"));
        Assert.Equal(pending[1].Id, left.Id);
    }

    [Fact]
    public async Task PendingSessions_SurviveARestart()
    {
        using var root = new TempDirectory();
        var options = Options.Create(new FileSystemStorageOptions { RootDirectory = root.Path });
        var first = new SessionManager(new FileSystemSessionStore(options), TestOptions.Create(), _time);
        await first.RecordTurnAsync("u", "a", [User("one")], [Assistant("1")]);
        await first.RecordTurnAsync("u", "b", [User("two")], [Assistant("2")]);

        var restarted = new SessionManager(new FileSystemSessionStore(options), TestOptions.Create(), _time);

        Assert.Equal(["u"], await restarted.GetUsersWithUnlearnedSessionsAsync());
        var pending = Assert.Single(await restarted.GetPendingSessionsAsync("u"));
        Assert.Equal(["one", "1"], pending.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ConcurrentTurnsOfOneUser_LoseNoMessage()
    {
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _manager.RecordTurnAsync("u", null, [User($"q{i}")], [Assistant($"a{i}")])));

        Assert.Equal(40, (await _manager.GetSessionsAsync("u")).Single().Messages.Count);
    }

    [Fact]
    public async Task FunctionCallsAndResults_AreStoredAsSummaries()
    {
        ChatMessage call = new(ChatRole.Assistant, [new FunctionCallContent("c1", "book_table", new Dictionary<string, object?> { ["people"] = 2 })]);
        ChatMessage result = new(ChatRole.Tool, [new FunctionResultContent("c1", "confirmed")]);

        await _manager.RecordTurnAsync("u", null, [User("book dinner")], [call, result, Assistant("Booked.")]);

        Assert.Equal(
            ["book dinner", "[call book_table(people=2)]", "[result confirmed]", "Booked."],
            (await _manager.GetSessionsAsync("u")).Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task LearnedSessionRetention_DeletesExpiredTranscriptsWhenLaterSessionsAreLearned()
    {
        var manager = new SessionManager(_store, TestOptions.Create(o => o.LearnedSessionRetention = TimeSpan.FromDays(1)), _time);
        var first = await CompleteSessionAsync(manager, "c1", "one");
        await manager.MarkLearnedAsync("u", [first]);
        _time.Advance(TimeSpan.FromHours(12));
        var second = await CompleteSessionAsync(manager, "c2", "two");
        await manager.MarkLearnedAsync("u", [second]);
        Assert.Equal([first, second], (await manager.GetSessionsAsync("u")).Select(s => s.Id));

        _time.Advance(TimeSpan.FromHours(13));
        var third = await CompleteSessionAsync(manager, "c3", "three");
        var fourth = await CompleteSessionAsync(manager, "c4", "four");
        await manager.MarkLearnedAsync("u", [third]);

        // The first was learned 25 hours ago; the second only 13; the fourth is not learned yet.
        Assert.Equal([second, third, fourth], (await manager.GetSessionsAsync("u")).Select(s => s.Id));
    }

    [Fact]
    public async Task WithoutRetention_LearnedTranscriptsAreKept()
    {
        var first = await CompleteSessionAsync(_manager, "c1", "one");
        await _manager.MarkLearnedAsync("u", [first]);
        _time.Advance(TimeSpan.FromDays(400));
        var second = await CompleteSessionAsync(_manager, "c2", "two");
        await _manager.MarkLearnedAsync("u", [second]);

        Assert.Equal([first, second], (await _manager.GetSessionsAsync("u")).Select(s => s.Id));
    }

    [Fact]
    public async Task ZeroRetention_DeletesTranscriptsOnceLearned_KeepingTheLatestSoAResentConversationIsNotStoredTwice()
    {
        var manager = new SessionManager(_store, TestOptions.Create(o => o.LearnedSessionRetention = TimeSpan.Zero), _time);
        var first = await CompleteSessionAsync(manager, "c1", "one");
        var second = await CompleteSessionAsync(manager, "c2", "two");

        await manager.MarkLearnedAsync("u", [first, second]);

        var kept = Assert.Single(await manager.GetSessionsAsync("u"));
        Assert.Equal((second, SessionState.Learned), (kept.Id, kept.State));

        // The client of conversation c2 comes back later and resends it: only the new turn is stored.
        _time.Advance(TimeSpan.FromHours(2));
        await manager.RecordTurnAsync("u", "c2", [User("two"), Assistant("reply to two"), User("more")], [Assistant("reply to more")]);
        Assert.Equal(["more", "reply to more"], (await manager.GetSessionsAsync("u"))[^1].Messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a store on HTTP that timed out (HttpClient.Timeout), though nobody cancelled
    public async Task ARetentionCleanUpThatFails_IsLoggedAndLeavesTheSessionsLearned(bool asCancellation)
    {
        Exception failure = asCancellation ? new TaskCanceledException("The store did not answer in time.") : new IOException("disk unavailable");
        var first = await CompleteSessionAsync(_manager, "c1", "one");
        var failingCleanUp = new Mock<ISessionStore>();
        failingCleanUp.Setup(s => s.MarkLearnedAsync("u", It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Returns((string u, IReadOnlyCollection<string> ids, DateTimeOffset at, CancellationToken ct) => _store.MarkLearnedAsync(u, ids, at, ct));
        failingCleanUp.Setup(s => s.GetLatestSessionAsync("u", It.IsAny<CancellationToken>()))
            .Returns((string u, CancellationToken ct) => _store.GetLatestSessionAsync(u, ct));
        failingCleanUp.Setup(s => s.DeleteLearnedSessionsAsync("u", It.IsAny<DateTimeOffset>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns(Task.FromException<int>(failure));
        var logs = new FakeLogCollector();
        var manager = new SessionManager(failingCleanUp.Object, TestOptions.Create(o => o.LearnedSessionRetention = TimeSpan.Zero), _time, new FakeLogger<SessionManager>(logs));

        await manager.MarkLearnedAsync("u", [first]); // the learning is saved by now: a failed clean-up must not fail it

        Assert.Equal(SessionState.Learned, Assert.Single(await _store.GetSessionsAsync("u")).State);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 18 && r.Level == LogLevel.Warning && r.Exception == failure);
    }

    [Fact]
    public async Task ServiceKeptConversation_ContinuedUnderTheIdEachResponseHandsBack_IsOneSession()
    {
        // A service that keeps the conversation (OpenAI responses) answers with a new id per response; the client then
        // sends only its new message with that id.
        await _manager.RecordTurnAsync("u", null, [User("one")], [Assistant("1")], responseConversationId: "resp_1");
        Assert.Equal(0, await _manager.BeginTurnAsync("u", "resp_1"));
        await _manager.RecordTurnAsync("u", "resp_1", [User("two")], [Assistant("2")], responseConversationId: "resp_2");
        await _manager.RecordTurnAsync("u", "resp_2", [User("three")], [Assistant("3")], responseConversationId: "resp_3");

        var session = Assert.Single(await _manager.GetSessionsAsync("u"));
        Assert.Equal((SessionState.Open, "resp_3"), (session.State, session.ConversationId));
        Assert.Equal(["one", "1", "two", "2", "three", "3"], session.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ClientResendingTheHistoryWithoutId_ToAServiceThatReturnsIds_StaysInOneSession()
    {
        // The OpenAI responses API stores responses and returns their ids even when the client does not chain them.
        await _manager.RecordTurnAsync("u", null, [User("one")], [Assistant("1")], responseConversationId: "resp_1");

        Assert.Equal(0, await _manager.BeginTurnAsync("u", null));
        await _manager.RecordTurnAsync("u", null, [User("one"), Assistant("1"), User("two")], [Assistant("2")], responseConversationId: "resp_2");

        var session = Assert.Single(await _manager.GetSessionsAsync("u"));
        Assert.Equal((SessionState.Open, "resp_2"), (session.State, session.ConversationId));
        Assert.Equal(["one", "1", "two", "2"], session.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task InvalidArguments_AreRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _manager.RecordTurnAsync("", null, [], []));
        await Assert.ThrowsAsync<ArgumentNullException>(() => _manager.RecordTurnAsync("u", null, null!, []));
        await Assert.ThrowsAsync<ArgumentNullException>(() => _manager.MarkLearnedAsync("u", null!));
    }
}
