using Microsoft.Extensions.AI;

namespace AiPersona.Tests.Sessions;

/// <summary>What every <see cref="ISessionStore"/> must do. Derive once per implementation.</summary>
public abstract class SessionStoreConformanceTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract ISessionStore Store { get; }

    [Fact]
    public async Task Create_Append_Complete_Learn_MovesThroughStates()
    {
        var user = NewUser();
        var id = NewSessionId();
        await Store.CreateAsync(Open(id, user, T0, "hello"));

        await Store.AppendMessagesAsync(user, id, [new SessionMessage("assistant", "hi", T0.AddMinutes(1))], T0.AddMinutes(1));
        var open = await Store.GetLatestSessionAsync(user);
        Assert.NotNull(open);
        Assert.Equal(["hello", "hi"], open.Messages.Select(m => m.Text));
        Assert.Equal(T0.AddMinutes(1), open.LastActivityAt);

        await Store.CompleteAsync(user, id, T0.AddMinutes(2));
        Assert.Equal(SessionState.Completed, (await Store.GetLatestSessionAsync(user))!.State);
        Assert.Equal(1, await Store.CountSessionsAsync(user, SessionState.Completed));
        var completed = Assert.Single(await Store.GetSessionsAsync(user, SessionState.Completed));
        Assert.Equal((SessionState.Completed, (DateTimeOffset?)T0.AddMinutes(2)), (completed.State, completed.EndedAt));

        await Store.MarkLearnedAsync(user, [id], T0.AddMinutes(3));
        Assert.Equal(0, await Store.CountSessionsAsync(user, SessionState.Completed));
        var learned = Assert.Single(await Store.GetSessionsAsync(user, SessionState.Learned));
        Assert.Equal((DateTimeOffset?)T0.AddMinutes(3), learned.LearnedAt);
        Assert.Equal(2, learned.Messages.Count);
    }

    [Fact]
    public async Task Append_WithAConversationId_ContinuesTheSessionUnderIt()
    {
        var user = NewUser();
        var id = NewSessionId();
        await Store.CreateAsync(Open(id, user, T0, "hello") with { ConversationId = "resp_1" });

        await Store.AppendMessagesAsync(user, id, [new SessionMessage("assistant", "hi", T0)], T0, conversationId: "resp_2");
        Assert.Equal("resp_2", (await Store.GetLatestSessionAsync(user))!.ConversationId);

        await Store.AppendMessagesAsync(user, id, [], T0.AddMinutes(1));
        var session = (await Store.GetLatestSessionAsync(user))!;
        Assert.Equal(("resp_2", T0.AddMinutes(1), 2), (session.ConversationId, session.LastActivityAt, session.Messages.Count));
    }

    [Fact]
    public async Task MarkLearned_IgnoresOpenAndUnknownSessions()
    {
        var user = NewUser();
        var open = NewSessionId();
        await Store.CreateAsync(Open(open, user, T0, "still talking"));

        await Store.MarkLearnedAsync(user, [open, "unknown"], T0);

        Assert.Equal(SessionState.Open, (await Store.GetLatestSessionAsync(user))!.State);
        Assert.Empty(await Store.GetSessionsAsync(user, SessionState.Learned));
    }

    [Fact]
    public async Task GetSessions_ReturnsOldestFirst_AndUsersWithUnlearnedSessionsAreListed()
    {
        var user = NewUser();
        var first = NewSessionId(T0);
        var second = NewSessionId(T0.AddHours(1));
        await Store.CreateAsync(Open(first, user, T0, "one"));
        await Store.CompleteAsync(user, first, T0.AddMinutes(1));
        await Store.CreateAsync(Open(second, user, T0.AddHours(1), "two"));

        Assert.Equal([first, second], (await Store.GetSessionsAsync(user)).Select(s => s.Id));
        Assert.Equal(second, (await Store.GetLatestSessionAsync(user))!.Id);
        Assert.Null(await Store.GetLatestSessionAsync(NewUser()));
        Assert.Contains(user, await Store.GetUsersWithUnlearnedSessionsAsync());

        await Store.CompleteAsync(user, second, T0.AddHours(2));
        await Store.MarkLearnedAsync(user, [first, second], T0.AddHours(3));
        Assert.DoesNotContain(user, await Store.GetUsersWithUnlearnedSessionsAsync());
    }

    [Fact]
    public async Task EverySessionRead_CarriesItsOwnMessagesInOrder()
    {
        var user = NewUser();
        var other = NewUser();
        var ids = new List<string>();
        for (var s = 0; s < 3; s++)
        {
            var at = T0.AddHours(s);
            var id = NewSessionId(at);
            ids.Add(id);
            await Store.CreateAsync(Open(id, user, at, $"s{s} m0"));
            await Store.AppendMessagesAsync(user, id, [new SessionMessage("assistant", $"s{s} m1", at), new SessionMessage("user", $"s{s} m2", at)], at);
            await Store.CompleteAsync(user, id, at.AddMinutes(5));
            await Store.CreateAsync(Open(NewSessionId(at.AddMinutes(1)), other, at, $"other {s}"));
        }

        await Store.MarkLearnedAsync(user, [ids[0]], T0.AddHours(4));

        foreach (var sessions in new[] { await Store.GetSessionsAsync(user), await Store.GetSessionsAsync(user, SessionState.Completed) })
        {
            Assert.All(sessions, session =>
            {
                var s = ids.IndexOf(session.Id);
                Assert.Equal([$"s{s} m0", $"s{s} m1", $"s{s} m2"], session.Messages.Select(m => m.Text));
                Assert.Equal(["user", "assistant", "user"], session.Messages.Select(m => m.Role));
            });
        }

        Assert.Equal(ids, (await Store.GetSessionsAsync(user)).Select(s => s.Id));
        Assert.Equal(ids[1..], (await Store.GetSessionsAsync(user, SessionState.Completed)).Select(s => s.Id));
        Assert.Equal(["s2 m0", "s2 m1", "s2 m2"], (await Store.GetLatestSessionAsync(user))!.Messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData("half a surrogate pair")] // an emoji a client cut in two: UTF-8, and so every database, cannot hold it
    [InlineData("U+0000")] // pasted binary or a buggy client: PostgreSQL text cannot hold it
    public async Task TextAndConversationIdsNoStoreCanHold_AreStoredOnce_InOneSession(string what)
    {
        // (Attribute arguments cannot carry half a surrogate pair, so the character is chosen here.)
        var unstorable = what == "U+0000" ? "\0" : "\uD83D";
        var manager = new SessionManager(Store, TestOptions.Create());
        var user = NewUser();
        var conversation = "chat-" + unstorable;
        List<ChatMessage> request = [new(ChatRole.User, "I love " + unstorable)];
        await manager.RecordTurnAsync(user, conversation, request, [new(ChatRole.Assistant, "Noted " + unstorable)]);
        request.AddRange([new(ChatRole.Assistant, "Noted " + unstorable), new(ChatRole.User, "More")]);

        await manager.RecordTurnAsync(user, conversation, request, [new(ChatRole.Assistant, "Done")]);

        var session = Assert.Single(await Store.GetSessionsAsync(user));
        Assert.Equal(["I love \uFFFD", "Noted \uFFFD", "More", "Done"], session.Messages.Select(m => m.Text));
        Assert.Equal("chat-\uFFFD", session.ConversationId);
    }

    [Fact]
    public async Task GetLatest_WithNoOpenSession_IsTheNewestCompletedOrLearnedSession()
    {
        var user = NewUser();
        string[] ids = [NewSessionId(T0), NewSessionId(T0.AddHours(1)), NewSessionId(T0.AddHours(2))];
        for (var i = 0; i < ids.Length; i++)
        {
            await Store.CreateAsync(Open(ids[i], user, T0.AddHours(i), $"session {i}"));
        }

        await Store.CompleteAsync(user, ids[2], T0.AddHours(3));

        // The oldest session stays completed while the two newer ones are learned: the latest is a learned one.
        await Store.MarkLearnedAsync(user, [ids[1], ids[2]], T0.AddHours(4));
        var latest = (await Store.GetLatestSessionAsync(user))!;
        Assert.Equal((ids[2], SessionState.Learned), (latest.Id, latest.State));

        // A newer session, completed and not yet learned, is the latest.
        var fourth = NewSessionId(T0.AddHours(5));
        await Store.CreateAsync(Open(fourth, user, T0.AddHours(5), "session 3"));
        await Store.CompleteAsync(user, fourth, T0.AddHours(6));
        latest = (await Store.GetLatestSessionAsync(user))!;
        Assert.Equal((fourth, SessionState.Completed), (latest.Id, latest.State));
    }

    [Fact]
    public async Task GetLatestOfConversation_IsTheNewestSessionOfThatConversation_InAnyState_WithItsMessages()
    {
        var user = NewUser();
        var other = NewUser();
        string[] ids = [NewSessionId(T0), NewSessionId(T0.AddHours(1)), NewSessionId(T0.AddHours(2)), NewSessionId(T0.AddHours(3))];
        string[] conversations = ["trip", "trip", "cv", "trip-2"];
        for (var i = 0; i < ids.Length; i++)
        {
            await Store.CreateAsync(Open(ids[i], user, T0.AddHours(i), $"session {i}") with { ConversationId = conversations[i] });
        }

        await Store.CreateAsync(Open(NewSessionId(T0.AddHours(4)), other, T0.AddHours(4), "someone else's trip") with { ConversationId = "trip" });
        await Store.MarkLearnedAsync(user, [ids[0], ids[1]], T0.AddHours(5));

        // The newer of the two "trip" sessions, learned by now; not the other user's, nor "trip-2".
        var trip = await Store.GetLatestSessionOfConversationAsync(user, "trip");
        Assert.NotNull(trip);
        Assert.Equal((ids[1], SessionState.Learned, "trip"), (trip.Id, trip.State, trip.ConversationId));
        Assert.Equal(["session 1"], trip.Messages.Select(m => m.Text));

        var cv = await Store.GetLatestSessionOfConversationAsync(user, "cv");
        Assert.Equal((ids[2], SessionState.Completed), (cv!.Id, cv.State));
        Assert.Equal(SessionState.Open, (await Store.GetLatestSessionOfConversationAsync(user, "trip-2"))!.State);
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, "TRIP")); // ordinal
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, "unknown"));
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(NewUser(), "trip"));

        // Before a session: only sessions with a smaller id count.
        var first = await Store.GetLatestSessionOfConversationAsync(user, "trip", ids[1]);
        Assert.Equal((ids[0], SessionState.Learned), (first!.Id, first.State));
        Assert.Equal(["session 0"], first.Messages.Select(m => m.Text));
        Assert.Equal(ids[1], (await Store.GetLatestSessionOfConversationAsync(user, "trip", ids[2]))!.Id);
        Assert.Equal(ids[1], (await Store.GetLatestSessionOfConversationAsync(user, "trip", ids[3]))!.Id);
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, "trip", ids[0]));
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, "cv", ids[2]));
        Assert.Equal(ids[2], (await Store.GetLatestSessionOfConversationAsync(user, "cv", ids[3]))!.Id);

        // A conversation a service keeps moves on under the id each response hands back: found under its latest id.
        await Store.AppendMessagesAsync(user, ids[3], [new SessionMessage("assistant", "ok", T0.AddHours(6))], T0.AddHours(6), conversationId: "trip-3");
        Assert.Equal(ids[3], (await Store.GetLatestSessionOfConversationAsync(user, "trip-3"))!.Id);
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, "trip-2"));

        // Null: the sessions of conversations without an id.
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(user, null));
        string[] withoutId = [NewSessionId(T0.AddHours(7)), NewSessionId(T0.AddHours(8)), NewSessionId(T0.AddHours(9))];
        await Store.CreateAsync(Open(withoutId[0], user, T0.AddHours(7), "no id 0"));
        await Store.CreateAsync(Open(withoutId[1], user, T0.AddHours(8), "labelled") with { ConversationId = "trip" });
        await Store.CreateAsync(Open(withoutId[2], user, T0.AddHours(9), "no id 2"));
        Assert.Equal(withoutId[2], (await Store.GetLatestSessionOfConversationAsync(user, null))!.Id);
        Assert.Equal(["no id 0"], (await Store.GetLatestSessionOfConversationAsync(user, null, withoutId[2]))!.Messages.Select(m => m.Text));
        Assert.Equal(withoutId[1], (await Store.GetLatestSessionOfConversationAsync(user, "trip", withoutId[2]))!.Id);
        Assert.Null(await Store.GetLatestSessionOfConversationAsync(other, null));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetLatestSessionOfConversationAsync(" ", "trip"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetLatestSessionOfConversationAsync("user\uD800", "trip"));
    }

    [Fact]
    public async Task DeleteUser_RemovesOnlyThatUsersSessions()
    {
        var user = NewUser();
        var other = NewUser();
        await Store.CreateAsync(Open(NewSessionId(), user, T0, "mine"));
        await Store.CreateAsync(Open(NewSessionId(), other, T0, "theirs"));

        await Store.DeleteUserAsync(user);

        Assert.Empty(await Store.GetSessionsAsync(user));
        Assert.DoesNotContain(user, await Store.GetUsersWithUnlearnedSessionsAsync());
        Assert.Single(await Store.GetSessionsAsync(other));
    }

    [Fact]
    public async Task GetUserIds_ListsEveryUserWithSessions_InAnyState_Once_AcrossPages()
    {
        // More users than one page of a database store's listing, sessions in every state, awkward ids; a user whose
        // sessions were all deleted, or who was deleted, holds no sessions.
        string[] awkward = ["../../x", "/etc/x", "a\0b", "ümlaut 用户 🙂", new string('k', 4096)];
        var users = awkward.Concat(Enumerable.Range(0, UserIdPages.PageSize - awkward.Length + 1).Select(_ => NewUser())).ToList();
        for (var i = 0; i < users.Count; i++)
        {
            var id = NewSessionId(T0.AddMinutes(i));
            await Store.CreateAsync(Open(id, users[i], T0.AddMinutes(i), "hello"));
            if (i % 3 > 0)
            {
                await Store.CompleteAsync(users[i], id, T0.AddMinutes(i + 1));
            }

            if (i % 3 == 2)
            {
                await Store.MarkLearnedAsync(users[i], [id], T0.AddMinutes(i + 2));
            }
        }

        var emptied = NewUser();
        var emptiedSession = NewSessionId();
        await Store.CreateAsync(Open(emptiedSession, emptied, T0, "deleted soon"));
        await Store.DeleteSessionAsync(emptied, emptiedSession);
        var deleted = NewUser();
        await Store.CreateAsync(Open(NewSessionId(), deleted, T0, "deleted soon"));
        await Store.DeleteUserAsync(deleted);

        var listed = await Store.GetUserIdsAsync().ToListAsync();

        Assert.Equal(users.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetUserIds_OfAnEmptyStore_IsEmpty()
        => Assert.Empty(await Store.GetUserIdsAsync().ToListAsync());

    [Theory]
    [InlineData("../../x")]
    [InlineData("/etc/x")]
    [InlineData("a\0b")]
    public async Task EdgeCaseUserIds_KeepTheirOwnSessions(string userId)
    {
        userId += Guid.NewGuid().ToString("N");
        await Store.CreateAsync(Open(NewSessionId(), userId, T0, "edge"));

        var session = Assert.Single(await Store.GetSessionsAsync(userId));

        Assert.Equal(userId, session.UserId);
        Assert.Contains(userId, await Store.GetUsersWithUnlearnedSessionsAsync());
    }

    [Fact]
    public async Task Create_CompletesAnotherOpenSessionOfTheUser()
    {
        var user = NewUser();
        var first = NewSessionId(T0);
        var second = NewSessionId(T0.AddMinutes(5));
        await Store.CreateAsync(Open(first, user, T0, "one"));

        await Store.CreateAsync(Open(second, user, T0.AddMinutes(5), "two"));

        var sessions = await Store.GetSessionsAsync(user);
        Assert.Equal([(first, SessionState.Completed), (second, SessionState.Open)], sessions.Select(s => (s.Id, s.State)));
        Assert.Equal(T0.AddMinutes(5), sessions[0].EndedAt);
        Assert.Equal(1, await Store.CountSessionsAsync(user, SessionState.Open));
    }

    [Fact]
    public async Task DeleteLearnedSessions_DeletesOnlyLearnedSessionsLearnedUpToTheCutoff_AndTheirMessages()
    {
        var user = NewUser();
        var other = NewUser();
        string[] ids = [NewSessionId(T0), NewSessionId(T0.AddHours(1)), NewSessionId(T0.AddHours(2)), NewSessionId(T0.AddHours(3)), NewSessionId(T0.AddHours(4))];
        for (var i = 0; i < ids.Length; i++)
        {
            await Store.CreateAsync(Open(ids[i], user, T0.AddHours(i), $"message {i}"));
            await Store.CompleteAsync(user, ids[i], T0.AddHours(i).AddMinutes(30));
        }

        await Store.MarkLearnedAsync(user, [ids[0], ids[1]], T0.AddDays(1));
        await Store.MarkLearnedAsync(user, [ids[2]], T0.AddDays(3));
        await Store.CreateAsync(Open(NewSessionId(), other, T0, "another user's session"));
        await Store.CompleteAsync(other, (await Store.GetLatestSessionAsync(other))!.Id, T0.AddMinutes(1));
        await Store.MarkLearnedAsync(other, [(await Store.GetLatestSessionAsync(other))!.Id], T0.AddDays(1));

        // Learned on day 1: ids[0] and ids[1], but ids[1] is to be kept. ids[2] was learned after the cutoff, ids[3] is
        // completed (pending) and ids[4] is completed too: neither is ever deleted.
        var deleted = await Store.DeleteLearnedSessionsAsync(user, T0.AddDays(2), keepSessionId: ids[1]);

        Assert.Equal(1, deleted);
        var remaining = await Store.GetSessionsAsync(user);
        Assert.Equal([ids[1], ids[2], ids[3], ids[4]], remaining.Select(s => s.Id));
        Assert.All(remaining, s => Assert.Single(s.Messages));
        Assert.Equal(4, await CountStoredMessagesAsync(user));
        Assert.Equal(2, await Store.CountSessionsAsync(user, SessionState.Completed));
        Assert.Single(await Store.GetSessionsAsync(other));

        // Without a session to keep, everything learned at or before the cutoff goes; the messages go with their sessions.
        Assert.Equal(2, await Store.DeleteLearnedSessionsAsync(user, T0.AddDays(3), keepSessionId: null));
        Assert.Equal([ids[3], ids[4]], (await Store.GetSessionsAsync(user)).Select(s => s.Id));
        Assert.Equal(2, await CountStoredMessagesAsync(user));
        Assert.Equal(0, await Store.DeleteLearnedSessionsAsync(NewUser(), T0.AddDays(4), keepSessionId: null));
    }

    [Fact]
    public async Task DeleteSession_RemovesThatSessionAndItsMessages_WhateverItsState_AndNothingElse()
    {
        var user = NewUser();
        var other = NewUser();
        string[] ids = [NewSessionId(T0), NewSessionId(T0.AddHours(1)), NewSessionId(T0.AddHours(2))];
        for (var i = 0; i < ids.Length; i++)
        {
            await Store.CreateAsync(Open(ids[i], user, T0.AddHours(i), $"message {i}"));
            await Store.AppendMessagesAsync(user, ids[i], [new SessionMessage("assistant", $"reply {i}", T0.AddHours(i))], T0.AddHours(i));
        }

        await Store.CompleteAsync(user, ids[1], T0.AddHours(1.5));
        await Store.MarkLearnedAsync(user, [ids[0]], T0.AddHours(3)); // ids[0] learned, ids[1] pending, ids[2] open
        var othersId = NewSessionId(T0);
        await Store.CreateAsync(Open(othersId, other, T0, "another user's session"));

        Assert.True(await Store.DeleteSessionAsync(user, ids[1]));
        Assert.Equal([ids[0], ids[2]], (await Store.GetSessionsAsync(user)).Select(s => s.Id));
        Assert.Equal(0, await Store.CountSessionsAsync(user, SessionState.Completed));
        Assert.Equal(4, await CountStoredMessagesAsync(user));

        Assert.True(await Store.DeleteSessionAsync(user, ids[2]));
        Assert.Equal(ids[0], (await Store.GetLatestSessionAsync(user))!.Id); // no open session is left
        Assert.True(await Store.DeleteSessionAsync(user, ids[0]));
        Assert.Empty(await Store.GetSessionsAsync(user));
        Assert.Equal(0, await CountStoredMessagesAsync(user));

        // Gone, unknown, another user's, or an id no store could hold: nothing to delete, and nothing else is touched.
        Assert.False(await Store.DeleteSessionAsync(user, ids[0]));
        Assert.False(await Store.DeleteSessionAsync(user, othersId));
        Assert.False(await Store.DeleteSessionAsync(user, "../" + othersId));
        Assert.Equal(["another user's session"], (await Store.GetSessionsAsync(other)).Single().Messages.Select(m => m.Text));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteSessionAsync(user, " "));
    }

    [Fact]
    public async Task CreatingAnExistingSession_OrAppendingToAClosedOne_Throws_AndChangesNothing()
    {
        var user = NewUser();
        var id = NewSessionId();
        await Store.CreateAsync(Open(id, user, T0, "hello"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CreateAsync(Open(id, user, T0.AddMinutes(1), "again")));
        await Store.CompleteAsync(user, id, T0.AddMinutes(2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.AppendMessagesAsync(user, id, [new SessionMessage("user", "late", T0.AddMinutes(3))], T0.AddMinutes(3)));

        var session = Assert.Single(await Store.GetSessionsAsync(user));
        Assert.Equal((SessionState.Completed, "hello"), (session.State, Assert.Single(session.Messages).Text));
    }

    [Fact]
    public async Task UsersWithUnlearnedSessions_CanBeNarrowedToThoseWithEnoughCompletedOnes()
    {
        var (openOnly, oneCompleted, twoCompleted, allLearned) = (NewUser(), NewUser(), NewUser(), NewUser());
        await Store.CreateAsync(Open(NewSessionId(T0), openOnly, T0, "talking"));
        await CompletedSessionsAsync(oneCompleted, 1);
        await Store.CreateAsync(Open(NewSessionId(T0.AddHours(5)), oneCompleted, T0.AddHours(5), "talking"));
        await CompletedSessionsAsync(twoCompleted, 2);
        await Store.MarkLearnedAsync(allLearned, await CompletedSessionsAsync(allLearned, 3), T0.AddDays(1));
        string[] users = [openOnly, oneCompleted, twoCompleted, allLearned];

        async Task<string[]> ListedAsync(int minimum) => [.. users.Intersect(await Store.GetUsersWithUnlearnedSessionsAsync(minimum))];

        Assert.Equal([openOnly, oneCompleted, twoCompleted], await ListedAsync(0));
        Assert.Equal([oneCompleted, twoCompleted], await ListedAsync(1));
        Assert.Equal([twoCompleted], await ListedAsync(2));
        Assert.Empty(await ListedAsync(3));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.GetUsersWithUnlearnedSessionsAsync(-1));
    }

    [Fact]
    public async Task AppendToUnknownSession_Throws()
        => await Assert.ThrowsAsync<InvalidOperationException>(() => Store.AppendMessagesAsync(NewUser(), NewSessionId(), [], T0));

    /// <summary>Counts the messages the store holds for a user, including any no session refers to any more. Stores that
    /// keep messages apart from sessions (database tables) count them there.</summary>
    protected virtual async Task<int> CountStoredMessagesAsync(string userId)
        => (await Store.GetSessionsAsync(userId)).Sum(s => s.Messages.Count);

    protected static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    // Creates and completes sessions of a user, an hour apart from T0; returns their ids.
    private async Task<string[]> CompletedSessionsAsync(string user, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = NewSessionId(T0.AddHours(i));
            await Store.CreateAsync(Open(ids[i], user, T0.AddHours(i), $"session {i}"));
            await Store.CompleteAsync(user, ids[i], T0.AddHours(i).AddMinutes(30));
        }

        return ids;
    }

    protected static string NewSessionId(DateTimeOffset? at = null) => Guid.CreateVersion7(at ?? DateTimeOffset.UtcNow).ToString("N");

    protected static ConversationSession Open(string id, string user, DateTimeOffset at, string text)
        => new(id, user, null, SessionState.Open, at, at, null, null, [new SessionMessage("user", text, at)]);
}
