using Microsoft.Extensions.AI;

namespace AiPersona.Tests.Sessions;

/// <summary>Finding the new messages of a resent conversation, over many generated conversations (seeded, so every run
/// checks the same ones).</summary>
public sealed class SessionMessagesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// User and assistant take turns, with texts drawn from a tiny vocabulary so that messages repeat a lot. The client
    /// resends the whole conversation or a window of its last messages (always including the new one), and the
    /// conversation may carry messages of an earlier session in front, which the session manager compares against first.
    /// Taking turns makes every alignment unambiguous, so the stored session must equal what was said in it.
    /// </summary>
    [Theory]
    [InlineData(null, 0)]
    [InlineData(null, 6)]
    [InlineData(2, 0)]
    [InlineData(3, 6)]
    [InlineData(4, 6)]
    [InlineData(6, 6)]
    public void TurnTakingConversations_AreStoredExactly_WhateverTheClientResends(int? window, int maxEarlierMessages)
    {
        var random = new Random(7);
        for (var conversation = 0; conversation < 3_000; conversation++)
        {
            var vocabulary = 2 + random.Next(3);
            var said = new List<SessionMessage>();
            var earlier = random.Next(maxEarlierMessages + 1) / 2 * 2; // whole exchanges
            for (var i = 0; i < earlier; i++)
            {
                said.Add(Message(i % 2 == 0 ? "user" : "assistant", random.Next(vocabulary)));
            }

            var stored = new List<SessionMessage>();
            for (var turn = 0; turn < 8; turn++)
            {
                said.Add(Message("user", random.Next(vocabulary)));
                var request = window is { } size ? said.Skip(Math.Max(0, said.Count - size)).ToList() : [.. said];
                stored.AddRange(SessionMessages.Unseen(stored.Count == 0 ? said.Take(earlier).ToList() : stored, request, mayAskForAnotherReply: stored.Count > 0));
                var reply = Message("assistant", random.Next(vocabulary));
                said.Add(reply);
                stored.Add(reply);

                Assert.True(
                    stored.Select(Key).SequenceEqual(said.Skip(earlier).Select(Key)),
                    $"conversation {conversation}, turn {turn}: said [{string.Join(", ", said.Select(Key))}], stored [{string.Join(", ", stored.Select(Key))}]");
            }
        }
    }

    /// <summary>
    /// A chat app whose user may, at any turn, send a new message, ask for another reply to their last message, or edit
    /// one of their earlier messages (the conversation shown then ends at the edited message). The client resends the
    /// conversation as it shows it, perhaps after messages of an earlier session, or after a greeting of the assistant
    /// that the app shows above the user's first message. Every message text is unique, so what must be stored is exact:
    /// each message the first time it is said, in the order said, and nothing twice. Not generated here, as the request
    /// then has nothing in common with the stored session: editing the first message of a session that continues an
    /// earlier one, which the session manager compares with that earlier session (generated in SessionManagerTests).
    /// </summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(6, false)]
    [InlineData(0, true)]
    public void RegeneratedRepliesAndEditedMessages_AreStoredOnce_InTheOrderSaid(int maxEarlierMessages, bool greeting)
    {
        var random = new Random(11);
        for (var conversation = 0; conversation < 2_000; conversation++)
        {
            var next = 0;
            SessionMessage New(string role) => new(role, $"{role[0]}{next++}", At);
            var shown = new List<SessionMessage>();
            var earlier = random.Next(maxEarlierMessages + 1) / 2 * 2;
            for (var i = 0; i < earlier; i++)
            {
                shown.Add(New(i % 2 == 0 ? "user" : "assistant"));
            }

            var stored = new List<SessionMessage>();
            var said = new List<SessionMessage>();

            // The app shows a greeting of the assistant above the user's first message, and sends it along.
            if (greeting)
            {
                shown.Add(New("assistant"));
                said.Add(shown[^1]);
            }

            var steps = new List<string>();
            for (var turn = 0; turn < 10; turn++)
            {
                var firstEditable = earlier == 0 ? 0 : earlier + 1;
                var userTurns = Enumerable.Range(firstEditable, Math.Max(0, shown.Count - firstEditable)).Where(i => shown[i].Role == "user").ToList();
                List<int> actions = [0, .. turn > 0 ? [1] : Array.Empty<int>(), .. userTurns.Count > 0 ? [2] : Array.Empty<int>()];
                var action = actions[random.Next(actions.Count)];
                if (action == 0)
                {
                    var message = New("user");
                    shown.Add(message);
                    said.Add(message);
                    steps.Add("new");
                }
                else if (action == 1)
                {
                    shown.RemoveAt(shown.Count - 1); // the reply to the last user message is replaced
                    steps.Add("regenerate");
                }
                else
                {
                    var edited = userTurns[random.Next(userTurns.Count)];
                    shown.RemoveRange(edited, shown.Count - edited);
                    var message = New("user");
                    shown.Add(message);
                    said.Add(message);
                    steps.Add($"edit {edited}");
                }

                // The session is open once it holds a message, and this client resends its history.
                stored.AddRange(SessionMessages.Unseen(stored.Count == 0 ? shown.Take(earlier).ToList() : stored, [.. shown], mayAskForAnotherReply: stored.Count > 0));
                var reply = New("assistant");
                shown.Add(reply);
                said.Add(reply);
                stored.Add(reply);

                Assert.True(
                    stored.Select(Key).SequenceEqual(said.Select(Key)),
                    $"conversation {conversation}, steps [{string.Join(", ", steps)}]: said [{string.Join(", ", said.Select(Key))}], stored [{string.Join(", ", stored.Select(Key))}]");
            }
        }
    }

    /// <summary>
    /// The same app as above, but with texts from a vocabulary of two to five per role, so that messages repeat all the
    /// time and a request can often be read more than one way. A message may then be taken for one the session already
    /// holds (it is: the same role and text), but no text the user or the model said is ever missing from the session.
    /// </summary>
    [Fact]
    public void WithFewDistinctTexts_NoTextSaidIsEverMissingFromTheSession()
    {
        var random = new Random(3);
        for (var conversation = 0; conversation < 5_000; conversation++)
        {
            var vocabulary = 2 + random.Next(4);
            SessionMessage New(string role) => Message(role, random.Next(vocabulary));
            var shown = new List<SessionMessage>();
            var stored = new List<SessionMessage>();
            for (var turn = 0; turn < 10; turn++)
            {
                var userTurns = Enumerable.Range(1, Math.Max(0, shown.Count - 1)).Where(i => shown[i].Role == "user").ToList();
                var action = shown.Count < 4 ? 0 : random.Next(userTurns.Count == 0 ? 2 : 3);
                if (action == 0)
                {
                    shown.Add(New("user"));
                }
                else if (action == 1)
                {
                    shown.RemoveAt(shown.Count - 1);
                }
                else
                {
                    var edited = userTurns[random.Next(userTurns.Count)];
                    shown.RemoveRange(edited, shown.Count - edited);
                    shown.Add(New("user"));
                }

                stored.AddRange(SessionMessages.Unseen(stored, [.. shown], mayAskForAnotherReply: true));
                var reply = New("assistant");
                shown.Add(reply);
                stored.Add(reply);

                var missing = shown.Where(m => !stored.Any(s => s.Role == m.Role && s.Text == m.Text)).ToList();
                Assert.True(missing.Count == 0, $"conversation {conversation}, turn {turn}: shown [{string.Join(", ", shown.Select(Key))}], stored [{string.Join(", ", stored.Select(Key))}]");
            }
        }
    }

    [Fact]
    public void ARegeneratedReply_StoresOnlyTheNewReply_AndTheConversationGoesOnFromIt()
    {
        // The client shows [u1, a1, u2, a2]; the user asks for another reply to u2: the request ends at u2.
        List<SessionMessage> stored = [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At), new("assistant", "a2", At)];

        Assert.Empty(SessionMessages.Unseen(stored, [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At)]));

        stored.Add(new("assistant", "a2 again", At));
        var next = SessionMessages.Unseen(stored, [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At), new("assistant", "a2 again", At), new("user", "u3", At)]);
        Assert.Equal(["u3"], next.Select(Key));
    }

    [Fact]
    public void AnotherFirstReply_StoresNothingOfTheRequest_WhenTheCallerSaysTheRequestMayAskForOne()
    {
        List<SessionMessage> stored = [new("user", "u1", At), new("assistant", "a1", At)];

        Assert.Empty(SessionMessages.Unseen(stored, [new("user", "u1", At)], mayAskForAnotherReply: true));
        Assert.Empty(SessionMessages.Unseen(stored, [new("user", "e1", At), new("assistant", "e2", At), new("user", "u1", At)], mayAskForAnotherReply: true));

        // A client that sends only its new message: the user said it again.
        Assert.Equal(["u1"], SessionMessages.Unseen(stored, [new("user", "u1", At)]).Select(Key));

        // After a second reply to u1, saying u1 again follows the session: it is stored.
        stored.Add(new("assistant", "a1 again", At));
        Assert.Empty(SessionMessages.Unseen(stored, [new("user", "u1", At)], mayAskForAnotherReply: true));
        Assert.Equal(["u1"], SessionMessages.Unseen(stored, [new("user", "u1", At), new("assistant", "a1 again", At), new("user", "u1", At)], mayAskForAnotherReply: true).Select(Key));
    }

    [Fact]
    public void AnotherReplyToAnEditedFirstMessage_StoresNothingOfTheRequest()
    {
        // The user edited the first message u1 into u2, then asks for another reply to u2: the conversation shown is [u2].
        List<SessionMessage> stored = [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At), new("assistant", "a2", At)];

        Assert.Empty(SessionMessages.Unseen(stored, [new("user", "u2", At)], mayAskForAnotherReply: true));
    }

    [Fact]
    public void ARequestEndingWithAnEarlierUserMessageThanTheLast_IsNewAsAWhole()
    {
        // Not another reply: the session went on after u1. The user started over with the same words.
        List<SessionMessage> stored = [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At), new("assistant", "a2", At)];

        Assert.Equal(["u1"], SessionMessages.Unseen(stored, [new("user", "u1", At)], mayAskForAnotherReply: true).Select(Key));
        Assert.Equal(["x", "u1"], SessionMessages.Unseen(stored, [new("user", "x", At), new("user", "u1", At)], mayAskForAnotherReply: true).Select(Key));

        // A session of replies only (a reply asked for again after the session it belonged to ended) has no user message
        // to ask again about.
        Assert.Equal(["u1"], SessionMessages.Unseen([new("assistant", "a1", At)], [new("user", "u1", At)], mayAskForAnotherReply: true).Select(Key));
    }

    [Fact]
    public void AnEditedMessage_IsStored_WithoutTheHistoryBeforeIt()
    {
        List<SessionMessage> stored = [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2", At), new("assistant", "a2", At)];

        var edited = SessionMessages.Unseen(stored, [new("user", "u1", At), new("assistant", "a1", At), new("user", "u2 edited", At)]);

        Assert.Equal(["u2 edited"], edited.Select(Key));
    }

    [Fact]
    public void AnEditedMessage_AfterAnEarlierSessionThatEndedWithTheSameWords_StoresOnlyTheEdit()
    {
        // The earlier session ended with "thanks" / "You're welcome!", and so did a part of this one. The request's first
        // two messages follow the session too (its own "thanks" and reply), but the longest part said before starts later.
        List<SessionMessage> stored =
        [
            new("user", "Book Paris", At), new("assistant", "Booked", At), new("user", "thanks", At),
            new("assistant", "You're welcome!", At), new("user", "Also a hotel", At), new("assistant", "Hotel booked", At),
        ];
        List<SessionMessage> incoming =
        [
            new("user", "thanks", At), new("assistant", "You're welcome!", At), // the end of the earlier session
            new("user", "Book Paris", At), new("assistant", "Booked", At), new("user", "thanks", At),
            new("assistant", "You're welcome!", At), new("user", "Also a car", At), // "Also a hotel", edited
        ];

        Assert.Equal(["Also a car"], SessionMessages.Unseen(stored, incoming).Select(Key));
    }

    [Fact]
    public void ARequestSharingASingleMessageWithTheSession_IsNewAsAWhole()
    {
        // Another conversation (a client without conversation ids, back in an older chat) that happens to contain the
        // session's "Noted.": one message in common is no evidence that what precedes it was said in this session.
        List<SessionMessage> stored = [new("user", "I like tea", At), new("assistant", "Noted.", At)];
        List<SessionMessage> incoming = [new("user", "Book me a table for two", At), new("assistant", "Noted.", At), new("user", "At eight", At)];

        Assert.Equal(incoming.Select(Key), SessionMessages.Unseen(stored, incoming).Select(Key));
    }

    [Fact]
    public void ARequestThatBringsNothingNew_AddsNothing()
    {
        List<SessionMessage> stored = [Message("user", 1), Message("assistant", 2), Message("user", 1)];

        Assert.Empty(SessionMessages.Unseen(stored, [Message("assistant", 2), Message("user", 1)]));
        Assert.Empty(SessionMessages.Unseen(stored, [Message("user", 1)]));
    }

    [Fact]
    public void TheSameTextFromAnotherRole_IsAnotherMessage()
    {
        // The stored session ends with the user's "ok"; a window that starts with an assistant's "ok" does not line up.
        List<SessionMessage> stored = [new("user", "ok", At)];

        var unseen = SessionMessages.Unseen(stored, [new("assistant", "ok", At), new("user", "next", At)]);

        Assert.Equal(["assistant", "user"], unseen.Select(m => m.Role));
    }

    [Fact]
    public void ToolCallsAndResults_AreStoredAsShortSummaries_CutAt1000Characters()
    {
        ChatMessage call = new(ChatRole.Assistant, [new FunctionCallContent("c1", "search_flights", new Dictionary<string, object?> { ["to"] = "Lisbon", ["notes"] = new string('n', 3_000) })]);
        ChatMessage result = new(ChatRole.Tool, [new FunctionResultContent("c1", new string('r', 5_000))]);

        var stored = SessionMessages.Convert([call, result], At);

        Assert.StartsWith("[call search_flights(to=Lisbon, notes=nnn", stored[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("…)]", stored[0].Text, StringComparison.Ordinal);
        Assert.Equal("[result " + new string('r', 1_000) + "…]", stored[1].Text);
        Assert.Equal("tool", stored[1].Role);

        // An emoji across the cut is left out whole, not halved into U+FFFD.
        ChatMessage emoji = new(ChatRole.Tool, [new FunctionResultContent("c2", new string('r', 999) + "😀 and more")]);
        Assert.Equal("[result " + new string('r', 999) + "…]", SessionMessages.Convert([emoji], At)[0].Text);

        // A result of exactly 1,000 characters is whole: nothing cut, no ellipsis.
        ChatMessage whole = new(ChatRole.Tool, [new FunctionResultContent("c3", new string('r', 1_000))]);
        Assert.Equal("[result " + new string('r', 1_000) + "]", SessionMessages.Convert([whole], At)[0].Text);
    }

    [Fact]
    public void AMessageOfSeveralParts_KeepsItsTextAndToolCallsOnSeparateLines_AndDropsWhatIsNotText()
    {
        ChatMessage mixed = new(ChatRole.Assistant,
        [
            new TextContent("  Let me check.  "),
            new DataContent(new byte[] { 1, 2, 3 }, "image/png"),
            new FunctionCallContent("c1", "weather", new Dictionary<string, object?> { ["city"] = "Porto" }),
            new UsageContent(new UsageDetails { InputTokenCount = 5 }),
            new TextContent(" "),
        ]);
        ChatMessage imageOnly = new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")]);

        var stored = SessionMessages.Convert([mixed, imageOnly], At);

        Assert.Equal("Let me check.\n[call weather(city=Porto)]", Assert.Single(stored).Text); // a message with no text is not kept
    }

    private static SessionMessage Message(string role, int word) => new(role, $"{role[0]}{word}", At);

    private static string Key(SessionMessage message) => message.Text;
}
