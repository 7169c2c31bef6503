using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiPersona.Tests.Differential.Differential;

namespace AiPersona.Tests.Differential;

/// <summary>
/// Plays one seeded random sequence of session operations through the <see cref="ISessionManager"/> on the in-memory
/// backend (the reference) and on the backend under test, and requires the same results from both after every step:
/// every return value, and every session of every user field by field. The operations are what apps do: turns with and
/// without a conversation id; the whole history resent, only the new message sent, a sliding window, a regenerated reply,
/// a message repeated; a conversation id handed back by the service; tool calls; text that storage finds awkward (U+0000,
/// half an emoji, quotes, 2,000 characters); sessions ended by the app, by a new conversation and by the idle timeout,
/// learned (with a retention that deletes old transcripts), deleted one by one or with the user; and the app restarted
/// (the backend under test only: it must keep everything).
/// </summary>
internal static class SessionSequence
{
    private const int Steps = 250;

    /// <summary>Runs the sequence of one seed against the storage <paramref name="useStorage"/> configures.</summary>
    public static async Task RunAsync(int seed, Action<IAiPersonaBuilder> useStorage)
    {
        var random = new Random(seed);
        var clients = new Dictionary<(string User, int Slot), Client>();
        var log = new List<string>();
        var statesReached = new HashSet<SessionState>();
        await using var reference = new DifferentialApp(static _ => { });
        await using var tested = new DifferentialApp(useStorage);
        for (var step = 1; step <= Steps; step++)
        {
            var operation = Next(random, clients, step);
            log.Add(operation.ToString());
            var (_, state) = await StepAsync(seed, log, reference, tested, operation.RunAsync, DescribeAsync);
            statesReached.UnionWith(Enum.GetValues<SessionState>().Where(s => state.Contains($" {s} ", StringComparison.Ordinal)));

            operation.Apply(clients);
            if (random.Next(40) == 0)
            {
                log.Add("restart");
                await tested.RestartAsync();
            }
        }

        // The sequence must have passed through every state and taken every way out of it, or it proves little.
        Assert.Equal(Enum.GetValues<SessionState>().Length, statesReached.Count);
        var steps = string.Join('\n', log);
        foreach (var kind in new[] { "end ", "wait ", "learn ", "delete-session ", "forget ", "restart", "tool" })
        {
            Assert.Contains(kind, steps, StringComparison.Ordinal);
        }
    }

    // What the app does next: a turn most of the time, now and then the rest.
    private static Operation Next(Random random, Dictionary<(string User, int Slot), Client> clients, int step)
    {
        var user = PickUser(random);
        var pause = TimeSpan.FromSeconds(random.Next(1, 20));
        return random.Next(100) switch
        {
            < 60 => Turn(random, clients, step, user, pause),
            < 68 => new Operation(OperationKind.End, user, pause),
            < 78 => new Operation(OperationKind.Wait, user, random.Next(5) == 0 ? TimeSpan.FromMinutes(random.Next(1, 30)) : TimeSpan.FromMinutes(random.Next(30, 180))),
            < 88 => new Operation(OperationKind.Learn, user, pause) { Pick = random.Next(1, 64) },
            < 93 => new Operation(OperationKind.Pending, user, pause),
            < 98 => new Operation(OperationKind.DeleteSession, user, pause) { Pick = random.Next(100) },
            _ => new Operation(OperationKind.Forget, user, pause),
        };
    }

    private static Operation Turn(Random random, Dictionary<(string User, int Slot), Client> clients, int step, string user, TimeSpan pause)
    {
        var slot = random.Next(4); // slot 0 sends no conversation id; slots 1-3 send one
        var client = clients.TryGetValue((user, slot), out var known) ? known : new Client(slot == 0 ? null : $"c{slot}", []);
        var history = client.History;
        var said = $"u{step}" + MaybeAwkward(random, 4);
        List<ChatMessage> request = [];
        if (random.Next(10) == 0)
        {
            request.Add(new ChatMessage(ChatRole.System, "You are a helpful assistant."));
        }

        var style = random.Next(100);
        var replaced = false;
        List<ChatMessage> kept;
        if (style < 55)
        {
            kept = [.. history]; // the whole conversation resent
        }
        else if (style < 70)
        {
            kept = []; // only the new message
        }
        else if (style < 80 && history.Count >= 2)
        {
            kept = history[..^2]; // the last exchange replaced: an edited message, a regenerated reply
            replaced = true;
        }
        else if (style < 90)
        {
            kept = history[Math.Max(0, history.Count - 4)..]; // a sliding window
        }
        else
        {
            kept = [.. history];
            said = history.Where(static m => m.Role == ChatRole.User).Select(static m => m.Text).LastOrDefault() ?? said; // the user repeats themselves
        }

        request.AddRange(kept);
        request.Add(new ChatMessage(ChatRole.User, said));
        List<ChatMessage> response = random.Next(100) switch
        {
            < 12 =>
            [
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"call{step}", "get_weather", new Dictionary<string, object?> { ["city"] = "Porto" })]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent($"call{step}", "sunny, 21 °C")]),
                new ChatMessage(ChatRole.Assistant, $"a{step}: sunny"),
            ],
            < 17 => [new ChatMessage(ChatRole.Assistant, string.Empty)],
            _ => [new ChatMessage(ChatRole.Assistant, $"a{step}" + MaybeAwkward(random, 5))],
        };

        // A service that keeps conversations may hand back an id: clients with an id adopt it, a client without one may not.
        var handedBack = random.Next(100) < 12 ? $"r{step}" : null;
        List<ChatMessage> newHistory = [.. replaced ? kept : history, request[^1], .. response]; // the client keeps it all

        return new Operation(OperationKind.Turn, user, pause)
        {
            Slot = slot,
            ConversationId = client.ConversationId,
            Request = request,
            Response = response,
            HandedBack = handedBack,
            Next = new Client(slot > 0 && handedBack is not null ? handedBack : client.ConversationId, newHistory),
        };
    }

    private enum OperationKind
    {
        Turn,
        End,
        Wait,
        Learn,
        Pending,
        DeleteSession,
        Forget,
    }

    // What one app-side conversation holds: the id it sends, and the messages it would resend.
    private sealed record Client(string? ConversationId, List<ChatMessage> History);

    private sealed record Operation(OperationKind Kind, string User, TimeSpan Pause)
    {
        public int Slot { get; init; }

        public string? ConversationId { get; init; }

        public IReadOnlyList<ChatMessage> Request { get; init; } = [];

        public IReadOnlyList<ChatMessage> Response { get; init; } = [];

        public string? HandedBack { get; init; }

        public Client? Next { get; init; }

        public int Pick { get; init; }

        public async Task<string> RunAsync(DifferentialApp app)
        {
            app.Time.Advance(Pause);
            var sessions = app.Sessions;
            switch (Kind)
            {
                case OperationKind.Turn:
                    var begun = await sessions.BeginTurnAsync(User, ConversationId);
                    var recorded = await sessions.RecordTurnAsync(User, ConversationId, Request, Response, HandedBack);
                    return $"begin {begun}; recorded {recorded.AddedMessageCount} in {await PositionAsync(app, User, recorded.SessionId)}; pending {recorded.PendingSessionCount}";
                case OperationKind.End:
                    return $"pending {await sessions.EndSessionAsync(User)}";
                case OperationKind.Wait:
                    return $"pending {await sessions.CountPendingSessionsAsync(User)}";
                case OperationKind.Learn:
                    // A subset of the pending sessions (the bits of Pick), sometimes with an id no session has or the open session's.
                    var pending = await sessions.GetPendingSessionsAsync(User);
                    List<string> learned = [.. pending.Where((_, i) => (Pick >> (i % 6) & 1) == 1).Select(static s => s.Id)];
                    if (Pick % 7 == 0)
                    {
                        learned.Add("no-such-session");
                    }

                    if (Pick % 5 == 0)
                    {
                        learned.AddRange((await SessionsInOrderAsync(app, User)).Where(static s => s.State == SessionState.Open).Select(static s => s.Id));
                    }

                    var positions = await Task.WhenAll(learned.Select(id => PositionAsync(app, User, id)));
                    await sessions.MarkLearnedAsync(User, learned);
                    return $"learned {string.Join(',', positions)} of {pending.Count}; pending {await sessions.CountPendingSessionsAsync(User)}";
                case OperationKind.Pending:
                    var waiting = await sessions.GetPendingSessionsAsync(User);
                    return $"pending {string.Join(',', await Task.WhenAll(waiting.Select(s => PositionAsync(app, User, s.Id))))}";
                case OperationKind.DeleteSession:
                    var all = await SessionsInOrderAsync(app, User);
                    var id = Pick % (all.Count + 1) < all.Count ? all[Pick % (all.Count + 1)].Id : "no-such-session";
                    return $"deleted {await sessions.DeleteSessionAsync(User, id)}";
                default:
                    await sessions.DeleteUserAsync(User);
                    return $"pending {await sessions.CountPendingSessionsAsync(User)}";
            }
        }

        public void Apply(Dictionary<(string User, int Slot), Client> clients)
        {
            if (Next is not null)
            {
                clients[(User, Slot)] = Next;
            }
            else if (Kind == OperationKind.Forget)
            {
                foreach (var key in clients.Keys.Where(k => k.User == User).ToList())
                {
                    clients.Remove(key);
                }
            }
        }

        public override string ToString() => Kind switch
        {
            OperationKind.Turn => $"turn user {Array.IndexOf(Users, User)} conversation {ConversationId ?? "-"}: sends {string.Join(" | ", Request.Select(Short))} -> {string.Join(" | ", Response.Select(Short))}{(HandedBack is null ? string.Empty : $" (id {HandedBack} handed back)")}",
            OperationKind.Wait => $"wait {Pause.TotalMinutes} min",
            OperationKind.End => $"end user {Array.IndexOf(Users, User)}",
            OperationKind.Learn => $"learn user {Array.IndexOf(Users, User)} (pick {Pick})",
            OperationKind.Pending => $"pending user {Array.IndexOf(Users, User)}",
            OperationKind.DeleteSession => $"delete-session user {Array.IndexOf(Users, User)} (pick {Pick})",
            _ => $"forget user {Array.IndexOf(Users, User)}",
        };

        private static string Short(ChatMessage message)
        {
            var text = message.Contents.Any(static c => c is FunctionCallContent or FunctionResultContent) ? "tool" : message.Text;
            return $"{message.Role}:{(text.Length > 24 ? text[..24] + "…" : text)}";
        }
    }

    public static async Task<IReadOnlyList<ConversationSession>> SessionsInOrderAsync(DifferentialApp app, string user)
        => [.. (await app.Sessions.GetSessionsAsync(user)).OrderBy(static s => s.Id, StringComparer.Ordinal)];

    // Session ids are random: a session is named by its place among the user's sessions, which are in creation order.
    public static async Task<string> PositionAsync(DifferentialApp app, string user, string sessionId)
    {
        var ids = (await SessionsInOrderAsync(app, user)).Select(static s => s.Id).ToList();
        return ids.IndexOf(sessionId) is var index and >= 0 ? $"#{index}" : "none";
    }

    // Every session of every user, field by field, which users have sessions to learn, and which have any.
    public static async Task<string> DescribeAsync(DifferentialApp app)
    {
        var text = new StringBuilder();
        for (var u = 0; u < Users.Length; u++)
        {
            text.Append(CultureInfo.InvariantCulture, $"user {u}:");
            foreach (var s in await SessionsInOrderAsync(app, Users[u]))
            {
                text.Append(CultureInfo.InvariantCulture, $" {{{s.ConversationId ?? "-"} {s.State} {Seconds(s.StartedAt)}..{Seconds(s.LastActivityAt)} ended {Seconds(s.EndedAt)} learned {Seconds(s.LearnedAt)}:");
                foreach (var m in s.Messages)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {m.Role}@{Seconds(m.CreatedAt)}={Escape(m.Text)}");
                }

                text.Append('}');
            }

            text.Append('\n');
        }

        var unlearned = (await app.Sessions.GetUsersWithUnlearnedSessionsAsync()).Select(static u => Array.IndexOf(Users, u)).Order();
        var due = (await app.Sessions.GetUsersWithUnlearnedSessionsAsync(minimumPending: 2)).Select(static u => Array.IndexOf(Users, u)).Order();
        var listed = (await app.Services.GetRequiredService<ISessionStore>().GetUserIdsAsync().ToListAsync()).Select(static u => Array.IndexOf(Users, u)).Order();
        return text.Append(CultureInfo.InvariantCulture, $"unlearned: {string.Join(',', unlearned)}; two or more pending: {string.Join(',', due)}; with sessions: {string.Join(',', listed)}").ToString();
    }
}
