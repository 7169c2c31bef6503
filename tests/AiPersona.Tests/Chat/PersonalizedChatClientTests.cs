using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Chat;

public sealed class PersonalizedChatClientTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly TestChatClient _model = FakeModels.Chat();
    private readonly TestChatClient _optimizerModel = FakeModels.Optimizer();
    private ServiceProvider? _services;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FourthSession_CarriesWhatWasLearnedFromTheFirstThree(bool streaming)
    {
        var client = Build(PersonaUpdateMode.Inline);

        await ChatAsync(client, streaming, "ana", "c1", "I like tennis");
        await ChatAsync(client, streaming, "ana", "c2", "I like jazz");
        await ChatAsync(client, streaming, "ana", "c3", "I like chess");
        Assert.Empty(_optimizerModel.Calls);
        Assert.DoesNotContain("user_persona", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);

        await ChatAsync(client, streaming, "ana", "c4", "What should I do tonight?");

        Assert.Single(_optimizerModel.Calls);
        var persona = Assert.Single(_model.Calls[^1].Messages, m => m.Role == ChatRole.System && m.Text.Contains("<user_persona>", StringComparison.Ordinal));
        Assert.Contains("personality.values_and_interests: \"tennis, jazz, chess\"", persona.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestOfSystemMessagesOnly_GetsThePersonaAfterThem()
    {
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");

        await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are terse."), new ChatMessage(ChatRole.System, "Suggest one drink.")],
            new ChatOptions().WithPersonaUser("ana"));

        var sent = _model.Calls[^1].Messages;
        Assert.Equal(["You are terse.", "Suggest one drink."], sent.Take(2).Select(m => m.Text));
        Assert.Contains("Likes tea", Assert.Single(sent.Skip(2)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionThatIdlesOutDuringTheModelCall_CompletesTheKthSession_AndTheUpdateRunsWithThatCall()
    {
        var client = Build(PersonaUpdateMode.Inline);
        await ChatAsync(client, false, "ana", "c1", "I like tennis");
        await ChatAsync(client, false, "ana", "c2", "I like jazz");
        await ChatAsync(client, false, "ana", "c3", "I like chess");
        var answer = _model.GetResponseAsyncCallback!;
        _model.GetResponseAsyncCallback = (messages, options, ct) =>
        {
            _time.Advance(TimeSpan.FromMinutes(31)); // the answer takes longer than the idle timeout
            return answer(messages, options, ct);
        };

        await ChatAsync(client, false, "ana", "c3", "Anything else?");

        // The turn found the third session idle when it recorded: it completed it (k = 3) and learned before returning.
        Assert.Single(_optimizerModel.Calls);
        Assert.Equal("tennis, jazz, chess", (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task PeriodicRecovery_LearnsASessionThatEndedByIdling_BeforeTheUserComesBack()
    {
        var client = Build(PersonaUpdateMode.Background);
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();
        await ChatAsync(client, false, "ana", "c1", "I like tennis");
        await ChatAsync(client, false, "ana", "c2", "I like jazz");
        await ChatAsync(client, false, "ana", "c3", "I like chess"); // the third session stays open: ana has left
        await scheduler.WhenIdleAsync();

        await scheduler.RecoverAsync();
        await scheduler.WhenIdleAsync();
        Assert.Empty(_optimizerModel.Calls); // still within the idle timeout: two completed sessions only

        _time.Advance(TimeSpan.FromMinutes(31));
        await scheduler.RecoverAsync();
        await scheduler.WhenIdleAsync();

        Assert.Single(_optimizerModel.Calls);
        var persona = await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana");
        Assert.Equal("tennis, jazz, chess", persona.GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task AStartUpRecoveryThatFails_IsLoggedAsAnError_AndTheChatGoesOn()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Background, configureServices: s => s
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)))
            .AddSingleton<ISessionManager>(sp => new HookedSessions(
                new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))
            {
                ListingUsersFails = new IOException("database down"),
            }));

        var response = await client.GetResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana")); // starts recovery
        await _services!.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        Assert.Equal("reply 1", response.Text);
        var error = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 15);
        Assert.Equal((LogLevel.Error, "database down"), (error.Level, error.Exception?.Message));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Recovery_LooksOnlyAtUsersAtMostOneSessionShortOfAnUpdate(int k)
    {
        // One session short can be due (an open session that idled out completes when looked at); users further from an
        // update, most users in a periodic sweep, are not listed at all.
        HookedSessions? hooked = null;
        Build(PersonaUpdateMode.Background, o => o.SessionsPerUpdate = k, services => services.AddSingleton<ISessionManager>(sp => hooked = new HookedSessions(
            new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))));
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();

        await scheduler.RecoverAsync();

        Assert.Equal([k - 1], hooked!.ListedWithMinimumPending);
    }

    [Fact]
    public async Task Recovery_TakesTheUpdateLockOnlyOfUsersWithAnUpdateDue()
    {
        // Sessions recorded before this "process" started, on the store it shares.
        var store = new InMemorySessionStore();
        var earlier = new SessionManager(store, TestOptions.Create(), _time);
        async Task CompletedAsync(string user, int count)
        {
            for (var s = 1; s <= count; s++)
            {
                await earlier.RecordTurnAsync(user, $"{user}-c{s}", [User($"I like {user}{s}")], [Assistant("ok")]);
                await earlier.EndSessionAsync(user);
            }
        }

        await CompletedAsync("due", 3);
        await CompletedAsync("idled", 2);
        await earlier.RecordTurnAsync("idled", "idled-open", [User("I like idling")], [Assistant("ok")]);
        await earlier.RecordTurnAsync("fresh", "fresh-open", [User("I like starting")], [Assistant("ok")]);
        _time.Advance(TimeSpan.FromMinutes(31)); // the open sessions above are idle now
        await CompletedAsync("active", 2);
        await earlier.RecordTurnAsync("active", "active-open", [User("I like talking")], [Assistant("ok")]);

        var locked = new List<string>();
        var updateLock = new Mock<IPersonaUpdateLock>();
        var inner = new InProcessPersonaUpdateLock();
        updateLock.Setup(l => l.TryAcquireAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string user, CancellationToken ct) =>
            {
                lock (locked)
                {
                    locked.Add(user);
                }

                return inner.TryAcquireAsync(user, ct);
            });
        Build(PersonaUpdateMode.Background, configureServices: services => services.AddSingleton<ISessionStore>(store).AddSingleton(updateLock.Object));
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();

        await scheduler.RecoverAsync();
        await scheduler.WhenIdleAsync();

        // "idled" had two completed sessions and an idle open one: due. "fresh" (one idle session) and "active" (two
        // completed, one still open) are not, and cost no lock.
        Assert.Equal(["due", "idled"], locked.Distinct().Order());
        var personas = _services!.GetRequiredService<IPersonaStore>();
        var versions = await Task.WhenAll(new[] { "due", "idled", "fresh", "active" }.Select(async u => (await personas.GetAsync(u)).Version));
        Assert.Equal([1L, 1L, 0L, 0L], versions);
    }

    [Theory]
    [InlineData(PersonaUpdateMode.Background)]
    [InlineData(PersonaUpdateMode.Inline)]
    public async Task Recovery_LooksAtEveryOtherUser_WhenOneUsersSessionFileIsDamaged_ThenNamesThatUser(PersonaUpdateMode mode)
    {
        using var root = new TempDirectory();
        var store = new FileSystemSessionStore(Options.Create(new FileSystemStorageOptions { RootDirectory = root.Path }));
        var earlier = new SessionManager(store, TestOptions.Create(), _time);
        foreach (var user in new[] { "broken", "due", "idled" })
        {
            for (var s = 1; s <= (user == "due" ? 3 : 2); s++)
            {
                await earlier.RecordTurnAsync(user, $"{user}-c{s}", [User($"I like {user}{s}")], [Assistant("ok")]);
                await earlier.EndSessionAsync(user);
            }

            if (user != "due")
            {
                await earlier.RecordTurnAsync(user, $"{user}-open", [User($"I like {user}")], [Assistant("ok")]);
            }
        }

        // The open session of "broken" is the one its due check reads; a torn write left it unreadable.
        var open = (await store.GetLatestSessionAsync("broken"))!;
        var damaged = Path.Combine(root.Path, "sessions", StoragePaths.GetUserKey("broken"), "open", open.Id + ".json");
        await File.WriteAllTextAsync(damaged, "{\"id\": \"torn");
        _time.Advance(TimeSpan.FromMinutes(31)); // the open sessions are idle now
        Build(mode, configureServices: services => services.AddSingleton<ISessionStore>(store).AddSingleton<ISessionManager>(sp => new HookedSessions(
            new SessionManager(store, sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))
        {
            ListingOrder = StringComparer.Ordinal, // "broken" is looked at first
        }));
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => scheduler.RecoverAsync());
        await scheduler.WhenIdleAsync();

        var inner = Assert.IsType<InvalidDataException>(Assert.Single(ex.InnerExceptions));
        Assert.Contains(UserIdHash.Of("broken"), inner.Message, StringComparison.Ordinal);
        Assert.Contains(damaged, inner.Message, StringComparison.Ordinal);
        var personas = _services!.GetRequiredService<IPersonaStore>();
        var versions = await Task.WhenAll(new[] { "due", "idled", "broken" }.Select(async u => (await personas.GetAsync(u)).Version));
        Assert.Equal([1L, 1L, 0L], versions);
        Assert.Equal("{\"id\": \"torn", await File.ReadAllTextAsync(damaged));
    }

    [Fact]
    public async Task OptimizerRunsExactlyOncePerKCompletedSessions()
    {
        var client = Build(PersonaUpdateMode.Inline);

        for (var session = 1; session <= 10; session++)
        {
            await ChatAsync(client, false, "ana", $"c{session}", $"I like thing{session}");
            await ChatAsync(client, false, "ana", $"c{session}", "and another message");
        }

        // Sessions 1–9 are complete (the 10th is open): three updates of three sessions each.
        Assert.Equal(3, _optimizerModel.Calls.Count);
        var store = _services!.GetRequiredService<IPersonaStore>();
        Assert.Equal(3, (await store.GetAsync("ana")).Version);
        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetPendingSessionsAsync("ana"));
    }

    [Fact]
    public async Task WithZeroRetention_LearnedTranscriptsAreDeletedAfterTheUpdate_ExceptTheLatest()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.LearnedSessionRetention = TimeSpan.Zero);

        for (var session = 1; session <= 4; session++)
        {
            await ChatAsync(client, false, "ana", $"c{session}", $"I like thing{session}");
        }

        // The fourth session's first turn completed the third and learned from sessions 1-3; their transcripts went,
        // except the third, the latest at that moment.
        var sessions = await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana");
        Assert.Equal([("c3", SessionState.Learned), ("c4", SessionState.Open)], sessions.Select(s => (s.ConversationId!, s.State)));
        var persona = await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana");
        Assert.Equal("thing1, thing2, thing3", persona.GetValue("personality", "values_and_interests")!.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServiceKeptConversation_CarriesThePersonaOnce_UnlessAnEarlierTurnHadNone(bool streaming)
    {
        var responses = 0;
        _model.GetResponseAsyncCallback = (_, _, _) =>
        {
            var n = Interlocked.Increment(ref responses);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"reply {n}")) { ConversationId = $"resp_{n}" });
        };
        _model.GetStreamingResponseAsyncCallback = (_, _, _) =>
        {
            var n = Interlocked.Increment(ref responses);
            return new[] { new ChatResponseUpdate(ChatRole.Assistant, $"reply {n}") { ConversationId = $"resp_{n}" } }.ToAsyncEnumerable();
        };
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");

        // The first request of a conversation carries the persona; the service keeps it, so follow-ups do not resend it.
        await ChatAsync(client, streaming, "ana", null, "first");
        await ChatAsync(client, streaming, "ana", "resp_1", "second");
        await ChatAsync(client, streaming, "ana", "resp_2", "third");

        // A conversation whose first request was sent without personalization gets the persona when it is switched on.
        var unpersonalized = new ChatOptions().WithPersonaUser("ana").WithPersonalization(PersonalizationMode.Disabled);
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "fourth")], unpersonalized);
        await ChatAsync(client, streaming, "ana", "resp_4", "fifth");
        await ChatAsync(client, streaming, "ana", "resp_5", "sixth");

        Assert.Equal(
            [true, false, false, false, true, false],
            _model.Calls.Select(c => AllText(c.Messages).Contains("Likes tea", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ServiceKeptConversation_IsKnownToEveryPipelineOfTheProvider()
    {
        var responses = 0;
        _model.GetResponseAsyncCallback = (_, _, _) =>
        {
            var n = Interlocked.Increment(ref responses);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"reply {n}")) { ConversationId = $"resp_{n}" });
        };
        Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");

        // Two pipelines built from one provider, as an app that builds its client per request does.
        using var first = new ChatClientBuilder(_model).UsePersonalization().Build(_services);
        using var second = new ChatClientBuilder(_model).UsePersonalization().Build(_services);
        await ChatAsync(first, false, "ana", null, "first");
        await ChatAsync(second, false, "ana", "resp_1", "second");

        Assert.Equal([true, false], _model.Calls.Select(c => AllText(c.Messages).Contains("Likes tea", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WhenTheSessionStoreFails_TheCallSucceedsWithThePersona_AndTheFailuresAreLogged(bool streaming)
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s
            .AddSingleton(new Mock<ISessionStore>(MockBehavior.Strict).Object)
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        await SeedPersonaAsync("ana", "Likes tea");

        await ChatAsync(client, streaming, "ana", "c1", "hello");

        Assert.Contains("Likes tea", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);
        var errors = logs.GetSnapshot().Where(r => r.Level == LogLevel.Error).Select(r => r.Id.Id).ToList();
        Assert.Equal([19, 16], errors); // boundaries, then recording
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoresTimingOutAsCancellation_DoNotCancelTheCall_TheyFailLikeAnyOtherStore(bool streaming)
    {
        // Stores on HTTP (HttpClient.Timeout) throw TaskCanceledException though the caller cancelled nothing.
        var timeout = new TaskCanceledException("The store did not answer in time.");
        var sessions = new Mock<ISessionManager>();
        sessions.Setup(s => s.BeginTurnAsync("ana", "c1", It.IsAny<CancellationToken>())).ThrowsAsync(timeout);
        sessions.Setup(s => s.RecordTurnAsync("ana", "c1", It.IsAny<IEnumerable<ChatMessage>>(), It.IsAny<IEnumerable<ChatMessage>>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(timeout);
        var personas = new Mock<IPersonaStore>();
        personas.Setup(p => p.GetAsync("ana", It.IsAny<CancellationToken>())).ThrowsAsync(timeout);
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s
            .AddSingleton(sessions.Object)
            .AddSingleton(personas.Object)
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));

        await ChatAsync(client, streaming, "ana", "c1", "hello");

        Assert.Single(_model.Calls);
        var errors = logs.GetSnapshot().Where(r => r.Level == LogLevel.Error).Select(r => (r.Id.Id, r.Exception)).ToList();
        Assert.Equal([(19, timeout), (20, timeout), (16, timeout)], errors); // boundaries, persona, recording
    }

    [Fact]
    public async Task WhenThePersonaStoreFails_TheCallSucceedsWithoutThePersona_AndTheTurnIsStillRecorded()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s
            .AddSingleton(new Mock<IPersonaStore>(MockBehavior.Strict).Object)
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));

        var response = await client.GetResponseAsync([User("hello")], new ChatOptions { ConversationId = "c1" }.WithPersonaUser("ana"));

        Assert.Equal("reply 1", response.Text);
        Assert.DoesNotContain(_model.Calls[^1].Messages, m => m.Role == ChatRole.System);
        Assert.Contains(logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Id.Id == 20);
        Assert.Single(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
    }

    [Fact]
    public async Task TwoUsersInterleavedInParallel_NeverSeeEachOthersPersona()
    {
        var client = Build(PersonaUpdateMode.Inline);

        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var s = 1; s <= 6; s++)
                {
                    await ChatAsync(client, s % 2 == 0, "ana", $"a{s}", $"I like anaThing{s}");
                }
            }),
            Task.Run(async () =>
            {
                for (var s = 1; s <= 6; s++)
                {
                    await ChatAsync(client, s % 2 == 1, "bob", $"b{s}", $"I like bobThing{s}");
                }
            }));

        List<(List<ChatMessage> Messages, ChatOptions? Options)> calls;
        lock (_model.Calls)
        {
            calls = [.. _model.Calls];
        }

        Assert.Contains(calls, c => AllText(c.Messages).Contains("anaThing1", StringComparison.Ordinal) && AllText(c.Messages).Contains("<user_persona>", StringComparison.Ordinal));
        Assert.Contains(calls, c => AllText(c.Messages).Contains("bobThing1", StringComparison.Ordinal) && AllText(c.Messages).Contains("<user_persona>", StringComparison.Ordinal));
        foreach (var (messages, _) in calls)
        {
            var text = AllText(messages);
            Assert.False(text.Contains("anaThing", StringComparison.Ordinal) && text.Contains("bobThing", StringComparison.Ordinal), text);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallersOptionsAndMessages_AreNeverChanged(bool streaming)
    {
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");
        var options = new ChatOptions { Temperature = 0.5f, ConversationId = "c1", AdditionalProperties = new() { ["custom"] = 1 } }.WithPersonaUser("ana");
        List<ChatMessage> messages = [new(ChatRole.System, "Be brief."), User("hello")];
        var messageArray = messages.ToArray();

        await (streaming ? client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync() : client.GetResponseAsync(messages, options));

        Assert.Equal(messageArray, messages);
        Assert.Equal(["aipersona.user_id", "custom"], options.AdditionalProperties!.Keys.Order());
        Assert.Equal(0.5f, options.Temperature);
        Assert.Equal("c1", options.ConversationId);
        Assert.Equal(2, messages.Count);

        var (sent, sentOptions) = _model.Calls.Single();
        Assert.NotSame(options, sentOptions);
        Assert.Equal(["custom"], sentOptions!.AdditionalProperties!.Keys);
        Assert.Equal(0.5f, sentOptions.Temperature);
        Assert.Equal(["Be brief.", "<user_persona>", "hello"], sent.Select(m => m.Text.Contains("<user_persona>", StringComparison.Ordinal) ? "<user_persona>" : m.Text));
    }

    [Fact]
    public async Task StreamingAndNonStreaming_InjectAndRecordTheSame()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        await SeedPersonaAsync("ana", "Likes tea");
        await SeedPersonaAsync("bob", "Likes tea");

        await ChatAsync(client, streaming: false, "ana", "c1", "hello");
        await ChatAsync(client, streaming: true, "bob", "c1", "hello");

        Assert.Equal(AllText(_model.Calls[0].Messages), AllText(_model.Calls[1].Messages));
        var sessions = _services!.GetRequiredService<ISessionManager>();
        var ana = (await sessions.GetSessionsAsync("ana")).Single().Messages.Select(m => (m.Role, m.Text));
        var bob = (await sessions.GetSessionsAsync("bob")).Single().Messages.Select(m => (m.Role, m.Text));
        Assert.Equal([("user", "hello"), ("assistant", "reply 1")], ana);
        Assert.Equal([("user", "hello"), ("assistant", "reply 2")], bob);
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Id == 21); // a completed stream is not reported as cut short
    }

    [Fact]
    public async Task FailedStream_RecordsNothing_AndSaysSoAtDebugLevel()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        _model.GetStreamingResponseAsyncCallback = (_, _, _) => Failing();

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana")))
            {
            }
        });

        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        var notRecorded = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 21);
        Assert.Equal(LogLevel.Debug, notRecorded.Level);
        Assert.DoesNotContain("ana", notRecorded.Message, StringComparison.Ordinal);

        static async IAsyncEnumerable<ChatResponseUpdate> Failing()
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "half an ans");
            await Task.Yield();
            throw new HttpRequestException("connection reset");
        }
    }

    [Fact]
    public async Task AbandonedOrCancelledStream_RecordsNothing()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        await foreach (var _ in client.GetStreamingResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana")))
        {
            break;
        }

        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana"), cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal(2, logs.GetSnapshot().Count(r => r.Id.Id == 21));
    }

    [Fact]
    public async Task BackgroundResponses_AreFetchedAsTheCallerAsks_AndOnlyTheFinishedReplyIsRecorded()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        await SeedPersonaAsync("ana", "Likes tea");
        var started = ResponseContinuationToken.FromBytes(new byte[] { 1 });
        var running = ResponseContinuationToken.FromBytes(new byte[] { 2 });
        _model.GetResponseAsyncCallback = (_, options, _) => Task.FromResult(
            options?.ContinuationToken is null ? Reply("Let me th", started)
            : options.ContinuationToken == started ? Reply("Let me think ab", running)
            : Reply("Lisbon, then Porto.", null));
        _model.GetStreamingResponseAsyncCallback = (_, _, _) => new[] { new ChatResponseUpdate(ChatRole.Assistant, "then Porto.") }.ToAsyncEnumerable();

        // A response still running holds part of its reply at most; the requests that fetch it, or resume its stream,
        // take no messages beside the token.
        await client.GetResponseAsync([User("Plan a long trip")], new ChatOptions { AllowBackgroundResponses = true }.WithPersonaUser("ana"));
        await client.GetResponseAsync([], new ChatOptions { ContinuationToken = started }.WithPersonaUser("ana"));
        await client.GetResponseAsync([], new ChatOptions { ContinuationToken = running }.WithPersonaUser("ana"));
        await client.GetStreamingResponseAsync([], new ChatOptions { ContinuationToken = running }.WithPersonaUser("ana")).ToChatResponseAsync();

        Assert.Contains("Likes tea", AllText(_model.Calls[0].Messages), StringComparison.Ordinal);
        Assert.All(_model.Calls.Skip(1), call => Assert.Empty(call.Messages));
        var session = Assert.Single(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Equal([("user", "Plan a long trip"), ("assistant", "Lisbon, then Porto.")], session.Messages.Select(m => (m.Role, m.Text)));
        Assert.Equal(2, logs.GetSnapshot().Count(r => r.Id.Id == 1)); // recorded: the request, and the finished reply
        Assert.Equal(LogLevel.Debug, Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 31).Level); // the resumed stream is not

        static ChatResponse Reply(string text, ResponseContinuationToken? token)
            => new(new ChatMessage(ChatRole.Assistant, text)) { ConversationId = "resp_1", ContinuationToken = token };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PrivateConversation_LeavesNoTrace(bool streaming)
    {
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");
        var options = new ChatOptions().WithPersonaUser("ana").WithPersonalization(PersonalizationMode.Private);

        var response = streaming
            ? await client.GetStreamingResponseAsync([User("a secret")], options).ToChatResponseAsync()
            : await client.GetResponseAsync([User("a secret")], options);

        Assert.Equal("reply 1", response.Text);
        var (sent, sentOptions) = _model.Calls.Single();
        Assert.DoesNotContain("user_persona", AllText(sent), StringComparison.Ordinal);
        Assert.Null(sentOptions!.AdditionalProperties);
        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Single(await _services!.GetRequiredService<IPersonaStore>().GetHistoryAsync("ana"));
    }

    [Fact]
    public async Task PersonalizationOff_SendsNoPersonaButStillRecords()
    {
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");

        await client.GetResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana").WithPersonalization(PersonalizationMode.Disabled));

        Assert.DoesNotContain("user_persona", AllText(_model.Calls.Single().Messages), StringComparison.Ordinal);
        Assert.Single(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
    }

    [Fact]
    public async Task BackgroundUpdate_DoesNotDelayTheCall()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        _optimizerModel.GetResponseAsyncCallback = async (m, o, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            return await learning(m, o, ct);
        };
        var client = Build(PersonaUpdateMode.Background);
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();
        for (var s = 1; s <= 3; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        // This call completes session 3 and starts the update, which is now blocked inside the optimizer.
        var response = await client.GetResponseAsync([User("next")], new ChatOptions { ConversationId = "c4" }.WithPersonaUser("ana"));
        await started.Task.WithinAMinute();

        Assert.Equal("reply 4", response.Text);
        Assert.Equal(0, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);

        release.SetResult();
        await scheduler.WhenIdleAsync();
        Assert.Equal(1, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
        await ChatAsync(client, false, "ana", "c4", "more");
        Assert.Contains("thing1, thing2, thing3", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackgroundUpdates_RunAtMostOnePerUserAtATime()
    {
        var running = 0;
        var maxRunning = 0;
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        _optimizerModel.GetResponseAsyncCallback = async (m, o, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref running);
            return await learning(m, o, ct);
        };
        var client = Build(PersonaUpdateMode.Background);
        var personalized = client.GetService<PersonalizedChatClient>()!;

        // Twelve sessions completed as fast as possible: four updates are due, requested over and over while one runs.
        for (var s = 1; s <= 12; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
            await personalized.EndSessionAsync("ana");
        }

        await _services!.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        Assert.Equal(1, maxRunning);
        Assert.Equal(4, _optimizerModel.Calls.Count);
        Assert.Equal(4, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
    }

    [Fact]
    public async Task BackgroundUpdates_OfManyUsers_RunAtMostMaxConcurrentUpdatesAtOnce()
    {
        var running = 0;
        var maxRunning = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        _optimizerModel.GetResponseAsyncCallback = async (m, o, ct) =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            return await learning(m, o, ct);
        };
        var client = Build(PersonaUpdateMode.Background, o => o.MaxConcurrentUpdates = 2);
        var personalized = client.GetService<PersonalizedChatClient>()!;
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();
        string[] users = [.. Enumerable.Range(1, 6).Select(static i => $"user{i}")];

        // Six users complete their third session; each starts an update, and every update blocks inside the optimizer.
        foreach (var user in users)
        {
            for (var s = 1; s <= 3; s++)
            {
                await ChatAsync(client, false, user, $"c{s}", $"I like thing{s}");
                await personalized.EndSessionAsync(user);
            }
        }

        // Wait for the state it must settle in: two updates inside the optimizer (and counted in maxRunning, which each
        // updates just after entering), four queued for a slot; or for the limit to be broken. The sum of running and
        // waiting alone is no signal: an update that was just handed a slot still counts as waiting until its
        // continuation runs, and one holding a slot is not in the optimizer yet.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(Volatile.Read(ref running) == 2 && Volatile.Read(ref maxRunning) == 2 && scheduler.UpdatesWaitingForSlot == 4) && Volatile.Read(ref maxRunning) <= 2)
        {
            await Task.Delay(10, timeout.Token);
        }

        Assert.Equal((2, 4), (Volatile.Read(ref maxRunning), scheduler.UpdatesWaitingForSlot));
        var metrics = _services!.GetRequiredService<PersonaUpdater>().Metrics;
        using var runningGauge = new MetricCollector<int>(metrics.UpdatesRunning);
        using var queuedGauge = new MetricCollector<int>(metrics.UpdatesQueued);
        runningGauge.RecordObservableInstruments();
        queuedGauge.RecordObservableInstruments();
        Assert.Equal((2, 4), (runningGauge.LastMeasurement!.Value, queuedGauge.LastMeasurement!.Value));

        release.SetResult();
        await scheduler.WhenIdleAsync();
        Assert.Equal(2, maxRunning);
        Assert.Equal(6, _optimizerModel.Calls.Count);
        foreach (var user in users)
        {
            Assert.Equal(1, (await _services!.GetRequiredService<IPersonaStore>().GetAsync(user)).Version);
        }
    }

    [Fact]
    public async Task SessionsThatCompleteAsARunningUpdateFinds_TooFewLeft_AreLearnedByThatWorkerRightAfter()
    {
        HookedSessions? sessions = null;
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        _optimizerModel.GetResponseAsyncCallback = (m, o, ct) =>
        {
            // The update is running: arm the hook for its last look at the pending count.
            sessions!.BeforeCountReturns ??= async () =>
            {
                // Three sessions complete and ask for an update just after that look found fewer than k.
                for (var s = 1; s <= 3; s++)
                {
                    await sessions.Inner.RecordTurnAsync("ana", $"late{s}", [User($"I like late{s}")], [Assistant("ok")]);
                    await sessions.Inner.EndSessionAsync("ana");
                }

                await _services!.GetRequiredService<PersonaUpdateScheduler>().RequestUpdateAsync("ana");
            };
            return learning(m, o, ct);
        };
        var client = Build(PersonaUpdateMode.Background, configureServices: s => s.AddSingleton<ISessionManager>(sp => sessions = new HookedSessions(
            new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))));
        var personalized = client.GetService<PersonalizedChatClient>()!;

        for (var s = 1; s <= 3; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
            await personalized.EndSessionAsync("ana");
        }

        await _services!.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        Assert.NotNull(sessions!.BeforeCountReturns); // the hook ran inside the first update
        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Equal(0, await sessions.CountPendingSessionsAsync("ana"));
        Assert.Contains("late3", (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKthSessionCompletingAsTheNextUpdateFindsTooFew_IsLearnedByThatWorkerRightAfter()
    {
        // As another instance ending a session while this one holds the user's update lock: that instance finds the user
        // busy and leaves the update to the worker holding the lock, which must look again once it lets go.
        ISessionManager? inner = null;
        _ = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddSingleton<ISessionManager>(sp => new HookedSessions(
            inner = new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))
        {
            // Read 1 is the first update's; read 2, the next update's, finds two sessions pending: the third completes then.
            AfterPendingRead = async read =>
            {
                if (read == 2)
                {
                    await inner!.EndSessionAsync("ana");
                }
            },
        }));
        for (var s = 1; s <= 6; s++)
        {
            await inner!.RecordTurnAsync("ana", $"c{s}", [User($"I like thing{s}")], [Assistant("ok")]);
        }

        Assert.Equal(5, await inner!.CountPendingSessionsAsync("ana"));

        await _services!.GetRequiredService<PersonaUpdateScheduler>().RequestUpdateAsync("ana");

        // Sessions 1–3, then 4–6: exactly k were pending when the worker looked again.
        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Equal(0, await inner.CountPendingSessionsAsync("ana"));
        var persona = await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana");
        Assert.Equal(2, persona.Version);
        Assert.Equal("thing1, thing2, thing3, thing4, thing5, thing6", persona.GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact(Timeout = 60_000)] // the failure this guards against is an endless loop
    public async Task ASessionStoreThatNeverMarksSessionsLearned_StopsTheUpdateLoop_WithAnError()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s
            .AddSingleton<ISessionManager>(sp => new HookedSessions(
                new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time)) { IgnoreMarkLearned = true })
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        var personalized = client.GetService<PersonalizedChatClient>()!;

        for (var s = 1; s <= 3; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
            await personalized.EndSessionAsync("ana", TestContext.Current.CancellationToken);
        }

        Assert.Single(_optimizerModel.Calls);
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 24 && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task FailedUpdate_LeavesThePersonaUnchanged_AndIsRetriedAfterTheDelay()
    {
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        var failures = 1;
        _optimizerModel.GetResponseAsyncCallback = (m, o, ct) => Interlocked.Decrement(ref failures) >= 0
            ? throw new HttpRequestException("optimizer down")
            : learning(m, o, ct);
        var client = Build(PersonaUpdateMode.Inline, o => o.UpdateRetryDelay = TimeSpan.FromMinutes(5));
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        var store = _services!.GetRequiredService<IPersonaStore>();
        Assert.Single(_optimizerModel.Calls);
        Assert.Equal(0, (await store.GetAsync("ana")).Version);

        await ChatAsync(client, false, "ana", "c4", "within the retry delay");
        Assert.Single(_optimizerModel.Calls);

        _time.Advance(TimeSpan.FromMinutes(6));
        await ChatAsync(client, false, "ana", "c4", "after the retry delay");
        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Equal("thing1, thing2, thing3", (await store.GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task AStoreTimeoutSeenAsCancellation_IsAFailedUpdate_NotACancelledCall()
    {
        // A store on HTTP (HttpClient.Timeout) throws TaskCanceledException though nobody cancelled: the update fails and
        // is retried like any other failure, and the user's call, which nobody cancelled either, returns its answer.
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, o => o.UpdateRetryDelay = TimeSpan.FromMinutes(5), s => s
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)))
            .AddSingleton<ISessionManager>(sp => new HookedSessions(
                new SessionManager(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<IOptionsMonitor<AiPersonaOptions>>(), _time))
            {
                PendingReadFailsOnce = new TaskCanceledException("The store did not answer in time."),
            }));
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        var failed = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 13);
        Assert.IsType<TaskCanceledException>(failed.Exception);
        var store = _services!.GetRequiredService<IPersonaStore>();
        Assert.Equal(0, (await store.GetAsync("ana")).Version);

        _time.Advance(TimeSpan.FromMinutes(6));
        await ChatAsync(client, false, "ana", "c4", "after the retry delay");
        Assert.Equal("thing1, thing2, thing3", (await store.GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task ConsecutiveFailures_DoubleTheRetryDelay_AndASuccessResetsIt()
    {
        var optimizerDown = FailOptimizerWhileDown();
        var client = Build(PersonaUpdateMode.Inline, o => o.UpdateRetryDelay = TimeSpan.FromMinutes(1));
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Single(_optimizerModel.Calls);

        // Failure 1 waits 1 minute, failure 2 waits 2, failure 3 waits 4.
        foreach (var (wait, callsAfter) in new[] { (1, 2), (1, 2), (1, 3), (3, 3), (1, 4) })
        {
            _time.Advance(TimeSpan.FromMinutes(wait));
            await ChatAsync(client, false, "ana", "c4", $"after {wait} more minute(s)");
            Assert.Equal(callsAfter, _optimizerModel.Calls.Count);
        }

        // Failure 4 would wait 8 minutes; the model is back by then and the success clears the backoff.
        Volatile.Write(ref optimizerDown.Value, false);
        _time.Advance(TimeSpan.FromMinutes(8));
        await ChatAsync(client, false, "ana", "c4", "model is back");
        Assert.Equal(5, _optimizerModel.Calls.Count);
        Assert.Equal(1, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);

        // The next batch fails once more: back to a one-minute wait.
        Volatile.Write(ref optimizerDown.Value, true);
        for (var s = 5; s <= 8; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Equal(6, _optimizerModel.Calls.Count);
        _time.Advance(TimeSpan.FromMinutes(1));
        await ChatAsync(client, false, "ana", "c8", "a minute later");
        Assert.Equal(7, _optimizerModel.Calls.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FailuresOfAUserWhoStaysAway_AreForgottenAfterTheLongestRetryDelay(bool otherUserFails)
    {
        var optimizerDown = FailOptimizerWhileDown();
        var client = Build(PersonaUpdateMode.Inline, o => o.UpdateRetryDelay = TimeSpan.FromMinutes(1));
        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Single(_optimizerModel.Calls);
        Assert.Equal(1, scheduler.UsersWithRetryDelay);

        // Ana's retry fell due a minute later and she never came back. Bo's update fails (or succeeds) 64 minutes after
        // that: Ana's failure is stale and forgotten either way; Bo's failure is remembered.
        _time.Advance(TimeSpan.FromMinutes(1 + 64));
        Volatile.Write(ref optimizerDown.Value, otherUserFails);
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "bo", $"c{s}", $"I like thing{s}");
        }

        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Equal(otherUserFails ? 1 : 0, scheduler.UsersWithRetryDelay);

        // Ana returns: her update runs at once, and its failure waits one delay again (a second failure in a row would
        // wait two): a minute later it is tried again.
        Volatile.Write(ref optimizerDown.Value, true);
        await ChatAsync(client, false, "ana", "c4", "back again");
        Assert.Equal(3, _optimizerModel.Calls.Count);
        Assert.Equal(otherUserFails ? 2 : 1, scheduler.UsersWithRetryDelay);
        _time.Advance(TimeSpan.FromMinutes(1));
        await ChatAsync(client, false, "ana", "c4", "a minute later");
        Assert.Equal(4, _optimizerModel.Calls.Count);
    }

    [Fact]
    public async Task WithoutAUser_TheRequestPassesThroughUntouched_AndADebugLineSaysWhy()
    {
        var logs = new FakeLogCollector();
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        var options = new ChatOptions { Temperature = 1 };

        await client.GetResponseAsync([User("hello")], options);
        await client.GetResponseAsync([User("hello")], options.Clone().WithPersonaUser("ana"));

        Assert.Same(options, _model.Calls[0].Options);
        Assert.Equal(["hello"], _model.Calls[0].Messages.Select(m => m.Text));
        var noUser = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 27); // the request with a user logs no such line
        Assert.Equal(LogLevel.Debug, noUser.Level);
        Assert.Contains("WithPersonaUser", noUser.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireUser_FailsWithAClearMessage()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.RequireUser = true);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync([User("hello")]));

        Assert.Contains("WithPersonaUser", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_model.Calls);
    }

    [Fact]
    public async Task UserResolver_IsUsedWhenTheOptionsNameNoUser()
    {
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddSingleton<IChatUserResolver>(new FixedUser("carol")));
        await SeedPersonaAsync("carol", "Likes opera");

        await client.GetResponseAsync([User("hello")]);

        Assert.Contains("Likes opera", AllText(_model.Calls.Single().Messages), StringComparison.Ordinal);
        Assert.Single(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("carol"));
    }

    [Fact]
    public async Task AResolverThatReturnsAnUnusableUserId_FailsTheCallWithAClearError_AndStoresNothing()
    {
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddSingleton<IChatUserResolver>(new FixedUser(" ")));

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.GetResponseAsync([User("hello")]));

        Assert.Equal("options", ex.ParamName);
        Assert.Empty(_model.Calls);
    }

    [Fact]
    public async Task MessagesGivenAsALazySequence_AreReadOnce_AndStillPersonalizedAndRecorded()
    {
        var client = Build(PersonaUpdateMode.Inline);
        await SeedPersonaAsync("ana", "Likes tea");
        var enumerations = 0;
        IEnumerable<ChatMessage> Lazy()
        {
            Interlocked.Increment(ref enumerations);
            yield return new ChatMessage(ChatRole.System, "You are helpful.");
            yield return User("hello");
        }

        await client.GetResponseAsync(Lazy(), new ChatOptions().WithPersonaUser("ana"));

        Assert.Equal(1, enumerations);
        Assert.Equal([ChatRole.System, ChatRole.System, ChatRole.User], _model.Calls.Single().Messages.Select(m => m.Role));
        Assert.Contains("Likes tea", _model.Calls.Single().Messages[1].Text, StringComparison.Ordinal);
        Assert.Equal(["hello", "reply 1"], (await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana")).Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task EndSession_TriggersTheUpdate()
    {
        var client = Build(PersonaUpdateMode.Inline);
        var personalized = client.GetService<PersonalizedChatClient>()!;
        for (var s = 1; s <= 3; s++)
        {
            await ChatAsync(client, false, "ana", null, $"I like thing{s}");
            await personalized.EndSessionAsync("ana");
        }

        Assert.Single(_optimizerModel.Calls);
        Assert.Equal(1, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
    }

    [Fact]
    public async Task ForgetUser_DeletesPersonaHistoryAndSessions_AndTheNextRequestCarriesNothing()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.PersonaCacheDuration = TimeSpan.FromHours(1));
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Contains("<user_persona>", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);

        await client.GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        await ChatAsync(client, false, "ana", "c9", "hello again");

        Assert.DoesNotContain("<user_persona>", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);
        var store = _services!.GetRequiredService<IPersonaStore>();
        Assert.Equal(0, (await store.GetAsync("ana")).Version);
        Assert.Empty(await store.GetHistoryAsync("ana"));
        Assert.Equal(["hello again", "reply 5"], (await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana")).Single().Messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData(false, "user")]
    [InlineData(true, "user")]
    [InlineData(false, "session")]
    [InlineData(true, "session")]
    [InlineData(false, "field")]
    [InlineData(true, "field")]
    public async Task Forgetting_WaitsForTheRunningUpdate_SoNothingIsSavedAfterTheDeletion(bool fileSystem, string what)
    {
        using var root = new TempDirectory();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = FakeModels.Optimizer();
        var answer = learning.GetResponseAsyncCallback!;
        var gated = new TestChatClient
        {
            GetResponseAsyncCallback = async (messages, options, ct) =>
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
                return await answer(messages, options, ct);
            },
        };
        var client = Build(PersonaUpdateMode.Background, configureServices: services =>
        {
            services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, gated);
            if (fileSystem)
            {
                services.AddAiPersona().UseFileSystemStorage(root.Path);
            }
        });
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        var sessions = _services!.GetRequiredService<ISessionManager>();
        var second = (await sessions.GetSessionsAsync("ana")).Single(s => s.ConversationId == "c2").Id;
        await entered.Task.WithinAMinute(); // the update of sessions 1-3 is inside the optimizer call
        var personalized = client.GetService<PersonalizedChatClient>()!;
        Task forget = what switch
        {
            "session" => personalized.ForgetSessionAsync("ana", second),
            "field" => personalized.ForgetFieldAsync("ana", "personality", "values_and_interests"),
            _ => personalized.ForgetUserAsync("ana"),
        };
        await Task.Delay(200);
        Assert.False(forget.IsCompleted); // it waits for the update rather than deleting under it

        release.SetResult();
        await AdvanceClockUntilAsync(forget, TimeSpan.FromMilliseconds(100)); // the forget polls the lock on the (fake) clock
        await _services!.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();

        var store = _services!.GetRequiredService<IPersonaStore>();
        if (what == "session")
        {
            // The update had read session 2 before it was deleted: what it learned is saved first, and the caller can now
            // find (and remove) the values that cite it; no update saves anything from it later.
            Assert.True(await (Task<bool>)forget);
            var persona = await store.GetAsync("ana");
            Assert.Equal(1, persona.Version);
            Assert.Contains(second, persona.GetValue("personality", "values_and_interests")!.SourceSessionIds);
            Assert.Equal(["c1", "c3", "c4"], (await sessions.GetSessionsAsync("ana")).Select(s => s.ConversationId));
        }
        else if (what == "field")
        {
            // The update saved the value first; then it was removed, its revisions with it.
            Assert.Contains(second, await (Task<IReadOnlyList<string>>)forget);
            var persona = await store.GetAsync("ana");
            Assert.Equal(2, persona.Version);
            Assert.Null(persona.GetValue("personality", "values_and_interests"));
            Assert.DoesNotContain(await store.GetHistoryAsync("ana"), r => r.Field == "values_and_interests");
        }
        else
        {
            await forget;
            Assert.Equal(0, (await store.GetAsync("ana")).Version); // the update saved first, then everything went
            Assert.Empty(await store.GetHistoryAsync("ana"));
            Assert.Empty(await sessions.GetSessionsAsync("ana"));
        }
    }

    [Fact]
    public async Task ForgetSession_OfAPendingSession_KeepsItOutOfTheNextUpdate()
    {
        var client = Build(PersonaUpdateMode.Inline);
        for (var s = 1; s <= 3; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        var sessions = _services!.GetRequiredService<ISessionManager>();
        var second = (await sessions.GetSessionsAsync("ana")).Single(s => s.ConversationId == "c2").Id;
        Assert.True(await client.GetService<PersonalizedChatClient>()!.ForgetSessionAsync("ana", second));
        Assert.False(await client.GetService<PersonalizedChatClient>()!.ForgetSessionAsync("ana", second));

        await ChatAsync(client, false, "ana", "c4", "I like thing4"); // sessions 1 and 3 pending: no update yet
        Assert.Empty(_optimizerModel.Calls);
        await ChatAsync(client, false, "ana", "c5", "I like thing5");

        var call = Assert.Single(_optimizerModel.Calls);
        Assert.DoesNotContain("thing2", AllText(call.Messages), StringComparison.Ordinal);
        Assert.Equal("thing1, thing3, thing4", (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task ForgetField_RemovesTheValueAndEveryRevisionOfIt_AndReturnsTheSessionsItCameFrom()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.PersonaCacheDuration = TimeSpan.FromHours(1));
        for (var s = 1; s <= 7; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        var store = _services!.GetRequiredService<IPersonaStore>();
        var sessions = (await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana")).ToDictionary(s => s.ConversationId!, s => s.Id);
        var personalized = client.GetService<PersonalizedChatClient>()!;
        await personalized.EditPersonaAsync("ana", [PersonaEdit.Set("demographics", "name", "Ana", "from her profile")]);
        Assert.Equal("thing1, thing2, thing3, thing4, thing5, thing6", (await store.GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value); // learned in two updates

        var sources = await personalized.ForgetFieldAsync("ana", "personality", "values_and_interests");

        Assert.Equal(new[] { "c1", "c2", "c3", "c4", "c5", "c6" }.Select(c => sessions[c]), sources);
        var persona = await store.GetAsync("ana");
        Assert.Null(persona.GetValue("personality", "values_and_interests"));
        Assert.Equal("Ana", persona.GetValue("demographics", "name")!.Value);
        var history = await store.GetHistoryAsync("ana");
        Assert.DoesNotContain(history, r => r.Field == "values_and_interests");
        Assert.DoesNotContain(history, r => (r.OldValue + r.NewValue).Contains("thing", StringComparison.Ordinal));
        Assert.Single(history, r => r.Field == "name");

        await ChatAsync(client, false, "ana", "c7", "more"); // the cached persona was replaced: the value is gone from requests
        Assert.DoesNotContain("thing", _model.Calls[^1].Messages.Single(m => m.Text.Contains("<user_persona>", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        Assert.Empty(await personalized.ForgetFieldAsync("ana", "demographics", "age")); // never set: nothing to forget
    }

    [Fact]
    public async Task AForgottenField_IsNotLearnedAgainFromSessionsThatEndedBeforeTheUserAskedToForgetIt()
    {
        var client = Build(PersonaUpdateMode.Inline);
        for (var s = 1; s <= 6; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var store = _services!.GetRequiredService<IPersonaStore>();
        Assert.Equal("thing1, thing2, thing3", (await store.GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
        await client.GetService<PersonalizedChatClient>()!.ForgetFieldAsync("ana", "personality", "values_and_interests");
        _time.Advance(TimeSpan.FromMinutes(1));

        // c4–c6, said before she asked, are learned now: what they say about her interests is what she asked to forget.
        await ChatAsync(client, false, "ana", "c7", "Hello again");
        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Null((await store.GetAsync("ana")).GetValue("personality", "values_and_interests"));
        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetPendingSessionsAsync("ana"));

        // What she says afterwards is learned as usual.
        for (var s = 8; s <= 10; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Equal("thing8, thing9", (await store.GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task ForgetUser_WhenTheUpdateLockIsNeverFreed_DeletesAnywayAfterTheOptimizerTimeoutAndGrace_AndWarns()
    {
        var logs = new FakeLogCollector();
        var heldElsewhere = new Mock<IPersonaUpdateLock>(); // as a lease of an instance that died
        heldElsewhere.Setup(l => l.TryAcquireAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((IAsyncDisposable?)null);
        var client = Build(PersonaUpdateMode.Inline, o => o.OptimizerTimeout = TimeSpan.FromSeconds(5), services => services
            .AddSingleton(heldElsewhere.Object)
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        await ChatAsync(client, false, "ana", "c1", "I like tennis");

        var forget = client.GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        await AdvanceClockUntilAsync(forget, TimeSpan.FromMilliseconds(500));
        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
        Assert.Contains(logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("still held the update lock after 00:00:35", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForgetUser_WaitsForAnUpdateThatStillSavesJustAfterItsOptimizerTimeout()
    {
        var logs = new FakeLogCollector();
        var start = _time.GetUtcNow();
        var released = false;
        var lease = new Mock<IAsyncDisposable>();
        lease.Setup(l => l.DisposeAsync()).Returns(() => { released = true; return ValueTask.CompletedTask; });
        // An update whose optimizer answered just before its 5 s timeout, still saving 10 s later; then the lock is free.
        var busyUntil = start + TimeSpan.FromSeconds(15);
        var updateLock = new Mock<IPersonaUpdateLock>();
        updateLock.Setup(l => l.TryAcquireAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => _time.GetUtcNow() >= busyUntil ? lease.Object : null);
        var client = Build(PersonaUpdateMode.Inline, o => o.OptimizerTimeout = TimeSpan.FromSeconds(5), services => services
            .AddSingleton(updateLock.Object)
            .AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        await ChatAsync(client, false, "ana", "c1", "I like tennis");

        var forget = client.GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        await AdvanceClockUntilAsync(forget, TimeSpan.FromMilliseconds(500));

        Assert.True(_time.GetUtcNow() >= busyUntil);
        Assert.True(released); // it deleted holding the lock
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Id == 22); // no "deleted without the lock" warning
        Assert.Empty(await _services!.GetRequiredService<ISessionManager>().GetSessionsAsync("ana"));
    }

    [Fact]
    public async Task ForgetUser_AlsoForgetsTheRetryDelayOfFailedUpdates()
    {
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        var failures = 1;
        _optimizerModel.GetResponseAsyncCallback = (m, o, ct) =>
            Interlocked.Decrement(ref failures) >= 0 ? throw new HttpRequestException("model down") : learning(m, o, ct);
        var client = Build(PersonaUpdateMode.Inline);
        for (var s = 1; s <= 4; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        Assert.Single(_optimizerModel.Calls); // failed: ana's next update waits UpdateRetryDelay

        await client.GetService<PersonalizedChatClient>()!.ForgetUserAsync("ana");
        for (var s = 5; s <= 8; s++)
        {
            await ChatAsync(client, false, "ana", $"c{s}", $"I like thing{s}");
        }

        // A fresh start: her new sessions are learned at once, not after the old failure's delay (the clock has not moved).
        Assert.Equal(2, _optimizerModel.Calls.Count);
        Assert.Equal("thing5, thing6, thing7", (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).GetValue("personality", "values_and_interests")!.Value);
    }

    [Fact]
    public async Task EditPersona_ShowsInTheNextRequest_WithoutWaitingForTheCache()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.PersonaCacheDuration = TimeSpan.FromHours(1));
        await SeedPersonaAsync("ana", "Likes tea");
        await ChatAsync(client, false, "ana", "c1", "hello");
        Assert.Contains("Likes tea", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);

        var saved = await client.GetService<PersonalizedChatClient>()!.EditPersonaAsync(
            "ana",
            [PersonaEdit.Set("demographics", "name", "Ana Silva", "from her profile"), PersonaEdit.Remove("preferences", "styles", "she said it is wrong")]);
        await ChatAsync(client, false, "ana", "c1", "again");

        Assert.Equal(2, saved.Version);
        var sent = AllText(_model.Calls[^1].Messages);
        Assert.Contains("Ana Silva", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Likes tea", sent, StringComparison.Ordinal);
        var history = await _services!.GetRequiredService<IPersonaStore>().GetHistoryAsync("ana");
        Assert.Equal(["from her profile", "she said it is wrong"], history.Where(r => r.Version == 2).Select(r => r.Reason));
    }

    [Fact]
    public async Task EditPersona_And_ForgetField_MatchNamesAsTheOptimizersAreMatched()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.Schema.AllowUnknownFields = true);
        var store = _services!.GetRequiredService<IPersonaStore>();
        await store.SaveAsync(Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("travel_plans", "destination", "Azores")], _time.GetUtcNow()));
        var personalized = client.GetService<PersonalizedChatClient>()!;

        var saved = await personalized.EditPersonaAsync(
            "ana",
            [
                PersonaEdit.Set("Personality", "Values and interests", "Chess", "from her profile"), // the schema's values_and_interests
                PersonaEdit.Set("Travel Plans", "Destination", "Madeira", "she changed her plans"), // the persona's own field
                PersonaEdit.Set("travel-plans", "budget", "Low", "from her profile"), // a new field of the persona's section
            ]);

        Assert.Equal(
            ["personality.values_and_interests = Chess", "travel_plans.budget = Low", "travel_plans.destination = Madeira"],
            saved.Sections.SelectMany(s => s.Value.Select(f => $"{s.Key}.{f.Key} = {f.Value.Value}")).Order(StringComparer.Ordinal));

        await personalized.ForgetFieldAsync("ana", "personality", "values-and-interests");
        await personalized.ForgetFieldAsync("ana", "Travel Plans", "Destination");

        var persona = await store.GetAsync("ana");
        Assert.Equal(["budget"], persona.Sections["travel_plans"].Keys);
        Assert.False(persona.Sections.TryGetValue("personality", out var personality) && personality.Count > 0);
        Assert.DoesNotContain(await store.GetHistoryAsync("ana"), r => r.Field is "values_and_interests" or "destination");
    }

    [Fact]
    public async Task EditPersona_AppliesItsEditsAgain_OnTopOfAConcurrentChange()
    {
        var store = new InterleavingStore(new InMemoryPersonaStore());
        var client = Build(PersonaUpdateMode.Inline, configureServices: s => s.AddSingleton<IPersonaStore>(store));
        store.BeforeFirstSave = () => store.Inner.SaveAsync(Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("personality", "values_and_interests", "Jazz")], _time.GetUtcNow()));

        var saved = await client.GetService<PersonalizedChatClient>()!.EditPersonaAsync("ana", [PersonaEdit.Set("demographics", "name", "Ana")]);

        Assert.Equal(2, saved.Version);
        Assert.Equal("Jazz", saved.GetValue("personality", "values_and_interests")!.Value);
        Assert.Equal("Ana", saved.GetValue("demographics", "name")!.Value);
        Assert.Equal(2, store.SaveCalls);
    }

    [Fact]
    public async Task ADisposedScheduler_StartsNoUpdate_AndDisposingItAgainIsHarmless()
    {
        Build(PersonaUpdateMode.Background);
        var sessions = _services!.GetRequiredService<ISessionManager>();
        for (var i = 0; i < 3; i++)
        {
            await sessions.RecordTurnAsync("ana", $"c{i}", [new ChatMessage(ChatRole.User, $"hello {i}")], [new ChatMessage(ChatRole.Assistant, "hi")]);
            await sessions.EndSessionAsync("ana");
        }

        var scheduler = _services!.GetRequiredService<PersonaUpdateScheduler>();
        await scheduler.DisposeAsync();
        scheduler.Dispose();
        await scheduler.DisposeAsync();
        await scheduler.RequestUpdateAsync("ana");
        await scheduler.WhenIdleAsync();

        Assert.Empty(_optimizerModel.Calls);
        Assert.Equal(3, await sessions.CountPendingSessionsAsync("ana")); // left for the next start
    }

    [Fact]
    public async Task EditPersona_GivesUpAfterMaxSaveAttempts_WhenThePersonaKeepsChanging()
    {
        var store = new Mock<IPersonaStore>();
        store.Setup(s => s.GetAsync("ana", It.IsAny<CancellationToken>())).ReturnsAsync(Persona.CreateEmpty("ana"));
        store.Setup(s => s.SaveAsync(It.IsAny<PersonaChange>(), It.IsAny<CancellationToken>())).ThrowsAsync(new PersonaConcurrencyException(0, 1));
        var client = Build(PersonaUpdateMode.Inline, o => o.MaxSaveAttempts = 2, s => s.AddSingleton(store.Object));

        await Assert.ThrowsAsync<PersonaConcurrencyException>(
            () => client.GetService<PersonalizedChatClient>()!.EditPersonaAsync("ana", [PersonaEdit.Set("demographics", "name", "Ana")]));

        store.Verify(s => s.SaveAsync(It.IsAny<PersonaChange>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Theory]
    [InlineData("health_notes")]
    [InlineData("Health Notes")] // a spelling variant is the field
    public async Task EditPersona_RefusesToSetANeverStoreField(string field)
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.Schema.Sections[0].Fields.Add(new PersonaFieldDefinition("health_notes", "Never stored.", FieldPolicy.NeverStore)));
        var personalized = client.GetService<PersonalizedChatClient>()!;

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => personalized.EditPersonaAsync("ana", [PersonaEdit.Set(PersonaSchema.CreateDefault().Sections[0].Name, field, "asthma")]));

        Assert.Equal("edits", ex.ParamName);
        Assert.Equal(0, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
    }

    [Theory]
    [InlineData("health_notes", "is a never-store field")] // only a removal passes the never-store check
    [InlineData("name", "has an unknown operation '2'")]
    public async Task EditPersona_WithAnOperationThatIsNeitherSetNorRemove_FailsAsAnArgument_AndSavesNothing(string field, string message)
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.Schema.Sections[0].Fields.Add(new PersonaFieldDefinition("health_notes", "Never stored.", FieldPolicy.NeverStore)));
        var personalized = client.GetService<PersonalizedChatClient>()!;
        var edit = new PersonaEdit(PersonaSchema.CreateDefault().Sections[0].Name, field, (PersonaEditOperation)2, "asthma", null, []);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => personalized.EditPersonaAsync("ana", [edit]));

        Assert.Equal("edits", ex.ParamName);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
    }

    [Theory]
    [InlineData(null, "name")]
    [InlineData(" ", "name")]
    [InlineData("demographics", null)]
    public async Task EditPersona_WithAnEditThatNamesNoSectionOrField_FailsAsAnArgument_AndSavesNothing(string? section, string? field)
    {
        var client = Build(PersonaUpdateMode.Inline);
        var personalized = client.GetService<PersonalizedChatClient>()!;

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => personalized.EditPersonaAsync(
            "ana",
            [PersonaEdit.Set("demographics", "age", "30"), new PersonaEdit(section!, field!, PersonaEditOperation.Set, "Ana", null, [])]));

        Assert.Equal("edits", ex.ParamName);
        Assert.Equal(0, (await _services!.GetRequiredService<IPersonaStore>().GetAsync("ana")).Version);
    }

    [Fact]
    public async Task PersonaSavedElsewhere_ShowsAfterTheCacheDuration()
    {
        var client = Build(PersonaUpdateMode.Inline, o => o.PersonaCacheDuration = TimeSpan.FromMinutes(1));
        await ChatAsync(client, false, "ana", "c1", "hello");
        await SeedPersonaAsync("ana", "Likes tea");

        await ChatAsync(client, false, "ana", "c1", "again");
        Assert.DoesNotContain("Likes tea", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromMinutes(2));
        await ChatAsync(client, false, "ana", "c2", "later");
        Assert.Contains("Likes tea", AllText(_model.Calls[^1].Messages), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    private IChatClient Build(PersonaUpdateMode mode, Action<AiPersonaOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddAiPersona(o =>
        {
            o.UpdateMode = mode;
            configure?.Invoke(o);
        });
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, _optimizerModel);
        services.AddChatClient(_model).UsePersonalization();
        configureServices?.Invoke(services);
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<IChatClient>();
    }

    private async Task SeedPersonaAsync(string userId, string value)
    {
        var store = _services!.GetRequiredService<IPersonaStore>();
        var persona = await store.GetAsync(userId);
        await store.SaveAsync(persona.ApplyEdits([PersonaEdit.Set("preferences", "styles", value)], _time.GetUtcNow()));
    }

    // The optimizer model fails while the returned switch is on (it starts on) and learns as usual when it is off.
    private StrongBox<bool> FailOptimizerWhileDown()
    {
        var learning = _optimizerModel.GetResponseAsyncCallback!;
        var down = new StrongBox<bool>(true);
        _optimizerModel.GetResponseAsyncCallback = (m, o, ct) => Volatile.Read(ref down.Value)
            ? throw new HttpRequestException("optimizer down")
            : learning(m, o, ct);
        return down;
    }

    // Moves the fake clock in steps until the task completes (or a minute of real time has passed), then awaits it.
    private async Task AdvanceClockUntilAsync(Task task, TimeSpan step)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            _time.Advance(step);
            await Task.Delay(10);
        }

        Assert.True(task.IsCompleted, "The task did not finish while the clock moved.");
        await task;
    }

    private static async Task ChatAsync(IChatClient client, bool streaming, string user, string? conversationId, string text)
    {
        var options = new ChatOptions { ConversationId = conversationId }.WithPersonaUser(user);
        if (streaming)
        {
            await client.GetStreamingResponseAsync([User(text)], options).ToChatResponseAsync();
        }
        else
        {
            await client.GetResponseAsync([User(text)], options);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static string AllText(IEnumerable<ChatMessage> messages) => string.Join("\n", messages.Select(m => m.Text));

    private sealed class FixedUser(string userId) : IChatUserResolver
    {
        public ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(userId);
    }

    // The session manager, with a hook that runs (once) after a pending count is read and before it is returned, and
    // optionally a MarkLearnedAsync that does nothing (a broken store).
    private sealed class HookedSessions(ISessionManager inner) : ISessionManager
    {
        private int _hookRan;
        private int _pendingReads;
        private Exception? _pendingReadFailure;

        public ISessionManager Inner => inner;

        public Func<Task>? BeforeCountReturns { get; set; }

        public async Task<int> CountPendingSessionsAsync(string userId, CancellationToken cancellationToken = default)
        {
            var count = await inner.CountPendingSessionsAsync(userId, cancellationToken);
            if (BeforeCountReturns is { } hook && Interlocked.Exchange(ref _hookRan, 1) == 0)
            {
                await hook();
            }

            return count;
        }

        public Task<int> BeginTurnAsync(string userId, string? conversationId, CancellationToken cancellationToken = default)
            => inner.BeginTurnAsync(userId, conversationId, cancellationToken);

        public Task<SessionTurnResult> RecordTurnAsync(string userId, string? conversationId, IEnumerable<ChatMessage> requestMessages, IEnumerable<ChatMessage> responseMessages, string? responseConversationId = null, CancellationToken cancellationToken = default)
            => inner.RecordTurnAsync(userId, conversationId, requestMessages, responseMessages, responseConversationId, cancellationToken);

        public Task<int> EndSessionAsync(string userId, CancellationToken cancellationToken = default) => inner.EndSessionAsync(userId, cancellationToken);

        public Exception? PendingReadFailsOnce
        {
            get => _pendingReadFailure;
            init => _pendingReadFailure = value;
        }

        // Runs after each read of the pending sessions, with how many reads there have been, before the read returns.
        public Func<int, Task>? AfterPendingRead { get; init; }

        public async Task<IReadOnlyList<ConversationSession>> GetPendingSessionsAsync(string userId, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _pendingReadFailure, null) is { } failure)
            {
                throw failure;
            }

            var pending = await inner.GetPendingSessionsAsync(userId, cancellationToken);
            if (AfterPendingRead is { } hook)
            {
                await hook(Interlocked.Increment(ref _pendingReads));
            }

            return pending;
        }

        public bool IgnoreMarkLearned { get; init; }

        public Task MarkLearnedAsync(string userId, IEnumerable<string> sessionIds, CancellationToken cancellationToken = default)
            => IgnoreMarkLearned ? Task.CompletedTask : inner.MarkLearnedAsync(userId, sessionIds, cancellationToken);

        public Task<IReadOnlyList<ConversationSession>> GetSessionsAsync(string userId, CancellationToken cancellationToken = default)
            => inner.GetSessionsAsync(userId, cancellationToken);

        public Exception? ListingUsersFails { get; init; }

        public List<int> ListedWithMinimumPending { get; } = [];

        public Task<IReadOnlyList<string>> GetUsersWithUnlearnedSessionsAsync(int minimumPending = 0, CancellationToken cancellationToken = default)
        {
            lock (ListedWithMinimumPending)
            {
                ListedWithMinimumPending.Add(minimumPending);
            }

            return ListingUsersFails is { } failure ? Task.FromException<IReadOnlyList<string>>(failure) : ListAsync();

            async Task<IReadOnlyList<string>> ListAsync()
            {
                var users = await inner.GetUsersWithUnlearnedSessionsAsync(minimumPending, cancellationToken);
                return ListingOrder is null ? users : [.. users.Order(ListingOrder)];
            }
        }

        public IComparer<string>? ListingOrder { get; init; }

        public Task<bool> DeleteSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default) => inner.DeleteSessionAsync(userId, sessionId, cancellationToken);

        public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default) => inner.DeleteUserAsync(userId, cancellationToken);
    }

    // Lets a test save a concurrent change right before the code under test saves.
    private sealed class InterleavingStore(IPersonaStore inner) : IPersonaStore
    {
        public IPersonaStore Inner => inner;

        public Func<Task>? BeforeFirstSave { get; set; }

        public int SaveCalls { get; private set; }

        public Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default) => inner.GetAsync(userId, cancellationToken);

        public async Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default)
        {
            if (SaveCalls++ == 0 && BeforeFirstSave is not null)
            {
                await BeforeFirstSave();
            }

            return await inner.SaveAsync(change, cancellationToken);
        }

        public Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(userId, cancellationToken);

        public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default) => inner.GetUserIdsAsync(cancellationToken);

        public Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
            => inner.DeleteFieldHistoryAsync(userId, section, field, cancellationToken);

        public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default) => inner.DeleteUserAsync(userId, cancellationToken);
    }
}
