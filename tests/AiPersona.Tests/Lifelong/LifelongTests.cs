using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AiPersona.Tests.Lifelong;

/// <summary>
/// What the library is for, run on one backend: two users chat once a week for twenty weeks (140 days on a fake clock),
/// three sessions a week, ended each of the three ways (a new conversation id, <c>EndSessionAsync</c>, the idle timeout),
/// some with a conversation id and some without, with the app restarted half-way (durable backends). Learned transcripts
/// are kept for 30 days. Every three sessions must be learned exactly once, in order, by one optimizer call, before the
/// user's next request, which carries what was learned; the persona must follow what the user says as it changes and
/// carry nothing of the other user; transcripts must be stored once and deleted when their retention ends. Derive once
/// per backend. Inline, each week's sessions are learned at the user's first request of the next week; in the background,
/// by the periodic sweep the docs recommend (<c>PersonaUpdateScheduler.RecoverAsync</c>), run an hour after they chat.
/// </summary>
public abstract partial class LifelongTests
{
    private const int Weeks = 20;
    private static readonly string[] Users = ["ana", "ben"];
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly TestChatClient _model = FakeModels.Chat();
    private readonly List<(string User, List<string> Likes)> _optimizerRuns = [];

    /// <summary>Gets whether the backend keeps its data when the app restarts (a new service provider).</summary>
    protected virtual bool KeepsDataAcrossRestarts => true;

    /// <summary>Points the app at the backend's storage (the same storage each time it is called).</summary>
    protected abstract void UseStorage(IAiPersonaBuilder builder);

    /// <summary>Runs the scenario; the derived test calls it once its storage is ready.</summary>
    protected async Task RunAsync(PersonaUpdateMode mode)
    {
        var app = Start(mode);
        try
        {
            for (var week = 1; week <= Weeks; week++)
            {
                if (week == Weeks / 2 + 1 && KeepsDataAcrossRestarts)
                {
                    // A deployment: last week's open and pending sessions (inline mode) are the new instance's to finish.
                    await app.DisposeAsync();
                    app = Start(mode);
                }

                foreach (var user in Users)
                {
                    await ChatOneWeekAsync(app, user, week);
                }

                _time.Advance(TimeSpan.FromHours(1)); // 11:00: both users' last sessions have idled out
                if (mode == PersonaUpdateMode.Background)
                {
                    var scheduler = app.GetRequiredService<PersonaUpdateScheduler>();
                    await scheduler.RecoverAsync();
                    await scheduler.WhenIdleAsync();
                }

                _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromHours(2)); // next week, 09:00
            }

            // Week 21's first request carries what was learned from week 20.
            foreach (var user in Users)
            {
                await app.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, "hello again")], Options(user, Conversation(Weeks + 1, 'a')));
                var persona = Assert.Single(_model.Calls[^1].Messages, m => m.Role == ChatRole.System).Text;
                Assert.Contains($"{Like(user, Weeks, 'a')}, {Like(user, Weeks, 'b')}, {Like(user, Weeks, 'c')}", persona, StringComparison.Ordinal);
                Assert.Contains(Career(user, Weeks - 4), persona, StringComparison.Ordinal); // stated in week 16
                Assert.DoesNotContain(Users.Single(u => u != user) + "_", persona, StringComparison.Ordinal);
            }

            await AssertLearnedOnceInOrderAsync(app);
            await AssertTranscriptsAsync(app);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    // Half an hour a week (ana from 09:00, ben from 09:30), a session every ten minutes: session a (sent without a
    // conversation id) ends when b starts under a conversation id, b is ended by the app, c (without an id, as a) idles out:
    // only the timeout tells it from the next week's a. Two turns each; the client resends the conversation. Every fifth
    // week the user states a new career.
    private async Task ChatOneWeekAsync(ServiceProvider app, string user, int week)
    {
        var client = app.GetRequiredService<IChatClient>();
        foreach (var session in "abc")
        {
            var options = Options(user, Conversation(week, session));
            List<ChatMessage> history = [new(ChatRole.User, $"I like {Like(user, week, session)}")];
            if (session == 'a' && week % 5 == 1)
            {
                history[0] = new ChatMessage(ChatRole.User, $"I like {Like(user, week, session)}. I work as {Career(user, week)}");
            }

            history.AddRange((await client.GetResponseAsync(history, options)).Messages);
            if (session == 'a' && week > 1)
            {
                // Last week's sessions were learned before this request (after the restart too), and it carries them.
                var persona = Assert.Single(_model.Calls[^1].Messages, m => m.Role == ChatRole.System).Text;
                Assert.Contains($"{Like(user, week - 1, 'a')}, {Like(user, week - 1, 'b')}, {Like(user, week - 1, 'c')}\"", persona, StringComparison.Ordinal);
            }

            _time.Advance(TimeSpan.FromMinutes(2));
            history.Add(new ChatMessage(ChatRole.User, "Tell me more"));
            history.AddRange((await client.GetResponseAsync(history, options)).Messages);
            _time.Advance(TimeSpan.FromMinutes(3));
            if (session == 'b')
            {
                await client.GetService<PersonalizedChatClient>()!.EndSessionAsync(user);
            }

            _time.Advance(TimeSpan.FromMinutes(5));
        }
    }

    private async Task AssertLearnedOnceInOrderAsync(ServiceProvider app)
    {
        // One optimizer call per user and week, shown exactly that week's three sessions.
        Assert.Equal(Weeks * Users.Length, _optimizerRuns.Count);
        foreach (var user in Users)
        {
            var runs = _optimizerRuns.Where(r => r.User == user).ToList();
            Assert.Equal(Enumerable.Range(1, Weeks).Select(w => string.Join(",", "abc".Select(s => Like(user, w, s)))), runs.Select(r => string.Join(",", r.Likes)));

            var store = app.GetRequiredService<IPersonaStore>();
            var persona = await store.GetAsync(user);
            Assert.Equal(Weeks, persona.Version); // one saved update a week (with the career, every fifth week)
            Assert.Equal(Career(user, Weeks - 4), persona.GetValue("demographics", "career")!.Value);
            var history = await store.GetHistoryAsync(user);
            Assert.Equal(Weeks, history.Count(r => r.Field == "values_and_interests"));
            Assert.Equal(Enumerable.Range(0, Weeks / 5).Select(i => Career(user, (i * 5) + 1)), history.Where(r => r.Field == "career").Select(r => r.NewValue));

            var sessions = app.GetRequiredService<ISessionManager>();
            Assert.Empty(await sessions.GetPendingSessionsAsync(user));
            var learnedFrom = persona.GetValue("personality", "values_and_interests")!.SourceSessionIds;
            var lastWeek = (await sessions.GetSessionsAsync(user)).Where(s => s.Messages[0].Text.StartsWith($"I like {user}_w{Weeks}", StringComparison.Ordinal)).Select(s => s.Id);
            Assert.Equal(lastWeek.Order(StringComparer.Ordinal), learnedFrom.Order(StringComparer.Ordinal));
        }
    }

    private async Task AssertTranscriptsAsync(ServiceProvider app)
    {
        // When week 20's sessions were learned, week 16's had been learned 28 days before and week 15's 35: weeks 16 to 20
        // are kept, the older ones are gone, and the open session of week 21 is there. Each kept session holds its two
        // turns once.
        var sessions = app.GetRequiredService<ISessionManager>();
        foreach (var user in Users)
        {
            var kept = await sessions.GetSessionsAsync(user);
            var expected = Enumerable.Range(Weeks - 4, 5).SelectMany(w => "abc".Select(s => $"I like {Like(user, w, s)}")).Append("hello again");
            Assert.Equal(expected, kept.Select(s => s.Messages[0].Text.Split('.')[0]));
            Assert.Equal(expected.Select((_, i) => i % 3 == 1 ? $"w{Weeks - 4 + (i / 3)}-b" : null), kept.Select(s => s.ConversationId));
            Assert.All(kept.SkipLast(1), s => Assert.Equal(SessionState.Learned, s.State));
            Assert.All(kept.SkipLast(1), s => Assert.Equal(
                ["user", "assistant", "user", "assistant"],
                s.Messages.Select(m => m.Role)));
            var lastUpdate = kept.Max(s => s.LearnedAt)!.Value;
            Assert.All(kept, s => Assert.True(s.LearnedAt is null || s.LearnedAt > lastUpdate - Retention, $"{s.ConversationId} learned at {s.LearnedAt}"));
        }
    }

    private ServiceProvider Start(PersonaUpdateMode mode)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        UseStorage(services.AddAiPersona(o =>
        {
            o.UpdateMode = mode;
            o.LearnedSessionRetention = Retention;
        }));
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, Optimizer());
        services.AddChatClient(_model).UsePersonalization();
        return services.BuildServiceProvider();
    }

    // Learns what the shown sessions say: the likes of this batch (replacing earlier ones), and a career when one is stated.
    private TestChatClient Optimizer() => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var prompt = messages[^1].Text;
            var likes = LikePattern().Matches(prompt).Select(m => m.Groups[1].Value).ToList();
            var careers = CareerPattern().Matches(prompt).Select(m => m.Groups[1].Value).ToList();
            var user = likes.Count > 0 ? likes[0].Split('_')[0] : "?";
            lock (_optimizerRuns)
            {
                _optimizerRuns.Add((user, likes));
            }

            var cited = "[" + string.Join(",", LabelPattern().Matches(prompt).Select(m => FakeModels.Json(m.Groups[1].Value))) + "]";
            List<string> edits = [$$"""{"section":"personality","field":"values_and_interests","action":"set","value":{{FakeModels.Json(string.Join(", ", likes))}},"reason":"stated","sessions":{{cited}}}"""];
            if (careers.Count > 0)
            {
                edits.Add($$"""{"section":"demographics","field":"career","action":"set","value":{{FakeModels.Json(careers[^1])}},"reason":"stated","sessions":{{cited}}}""");
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $$"""{"edits":[{{string.Join(",", edits)}}]}""")));
        },
    };

    private static ChatOptions Options(string user, string? conversationId) => new ChatOptions { ConversationId = conversationId }.WithPersonaUser(user);

    private static string? Conversation(int week, char session) => session == 'b' ? $"w{week}-b" : null;

    private static string Like(string user, int week, char session) => $"{user}_w{week}{session}";

    private static string Career(string user, int week) => $"{user}_job{week}";

    [GeneratedRegex(@"user: I like (\w+)")]
    private static partial Regex LikePattern();

    [GeneratedRegex(@"I work as (\w+)")]
    private static partial Regex CareerPattern();

    [GeneratedRegex(@"### (S\d+)")]
    private static partial Regex LabelPattern();
}
