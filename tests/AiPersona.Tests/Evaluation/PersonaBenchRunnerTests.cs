using AiPersona.Evaluation;
using Microsoft.Extensions.AI;

namespace AiPersona.Tests.Evaluation;

public sealed class PersonaBenchRunnerTests : IDisposable
{
    private readonly TempDirectory _output = new();

    [Fact]
    public async Task SessionLoop_OpensWithTheNeutralizedQuery_AndStopsWhenTheUserIsSatisfied()
    {
        var (models, assistant) = Scripted();
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);

        var report = await new PersonaBenchRunner(models).RunAsync(dataset, [BenchmarkSetting.GoldenPersona]);

        var session = Assert.Single(report.Sessions);
        var scene = dataset.Personas[0].Scenes[0];
        Assert.Equal(scene.NeutralizedQuery, session.Turns[0].User);
        Assert.Equal(scene.NeutralizedQuery, assistant.Requests[0].Last(m => m.Role == ChatRole.User).Text);
        Assert.True(session.Satisfied);
        Assert.Equal(1, session.Utterances);
        Assert.NotNull(session.Helpfulness);
        Assert.True(session.InputTokens > 0 && session.OutputTokens > 0);

        // The whole conversation goes with every request; no conversation id a service could take for one of its own.
        Assert.All(assistant.Options, o => Assert.Null(o?.ConversationId));
    }

    [Fact]
    public async Task SessionLoop_AnUnsatisfiedUser_FollowsUpAtMostThreeTimes()
    {
        var models = Scripted().Models;
        var user = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"satisfied": false, "reply": "Not what I need."}"""))) };
        models = With(models, userSimulator: user);

        var report = await new PersonaBenchRunner(models).RunAsync(BenchmarkDataset.LoadMini().Take(1, 1), [BenchmarkSetting.NoPersona]);

        var session = Assert.Single(report.Sessions);
        Assert.False(session.Satisfied);
        Assert.Equal(3, session.Utterances);
        Assert.Equal(["Not what I need.", "Not what I need."], session.Turns.Skip(1).Select(t => t.User));
        Assert.Equal(3, user.Calls.Count);
    }

    [Fact]
    public async Task SessionLoop_AUserVerdictWithoutAReply_FollowsUpWithTheFullNeed_NeverWithTheJson()
    {
        var user = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"satisfied": false}"""))) };
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);

        var report = await new PersonaBenchRunner(With(Scripted().Models, userSimulator: user)).RunAsync(dataset, [BenchmarkSetting.NoPersona]);

        var session = Assert.Single(report.Sessions);
        Assert.Equal(3, session.MalformedUserVerdicts);
        Assert.All(session.Turns.Skip(1), t => Assert.Equal(dataset.Personas[0].Scenes[0].PersonalizedQuery, t.User));
    }

    [Fact]
    public async Task MalformedJudgeReplies_AreRecordedAsFailures_AndLeftOutOfTheMeans()
    {
        var calls = 0;
        var judge = new TestChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                Interlocked.Increment(ref calls) == 1 ? "I think it was fine." : """{"helpfulness": 8, "personalization": 6}"""))),
        };
        var models = With(Scripted().Models, judge: judge);

        var report = await new PersonaBenchRunner(models).RunAsync(BenchmarkDataset.LoadMini().Take(1, 2), [BenchmarkSetting.NoPersona]);

        Assert.Equal(2, report.Sessions.Count);
        Assert.NotNull(report.Sessions[0].JudgeError);
        Assert.Null(report.Sessions[0].Helpfulness);
        var row = Assert.Single(report.Rows);
        Assert.Equal(8, row.Helpfulness);
        Assert.Equal(6, row.Personalization);
        Assert.Equal(1, row.JudgeFailures);
    }

    [Fact]
    public async Task AReasoningAssistantsThinking_IsNotShownToTheSimulatedUserOrTheJudge_NorRecorded()
    {
        var assistant = TestChatClient.Replying(_ => "<think>She is probably vegetarian.</think>\nHere are three restaurants near you.");
        var user = new RecordingChatClient(PersonaBenchModels.CreateScripted().UserSimulator);
        var judge = new RecordingChatClient(PersonaBenchModels.CreateScripted().Judge);

        var report = await new PersonaBenchRunner(With(Scripted().Models, assistant: assistant, userSimulator: user, judge: judge))
            .RunAsync(BenchmarkDataset.LoadMini().Take(1, 1), [BenchmarkSetting.NoPersona]);

        Assert.All(report.Sessions.SelectMany(s => s.Turns), t => Assert.Equal("Here are three restaurants near you.", t.Assistant));
        Assert.Contains(user.Requests.SelectMany(r => r), m => m.Text.Contains("Here are three restaurants near you.", StringComparison.Ordinal));
        Assert.DoesNotContain(user.Requests.SelectMany(r => r).Concat(judge.Requests.SelectMany(r => r)), m => m.Text.Contains("vegetarian.</think>", StringComparison.Ordinal));
        Assert.Contains(judge.Requests.SelectMany(r => r), m => m.Text.Contains("Here are three restaurants near you.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APersonaThatLearnedNothing_ScoresZeroForSimilarity_WithoutAskingAJudgeThatMightCallItFlawless()
    {
        // A lenient judge: "no contradictions, no inventions" is true of an empty persona.
        var personaJudgeCalls = 0;
        var judge = new TestChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                if (messages.Any(m => m.Text.Contains("Learned persona:", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref personaJudgeCalls);
                }

                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"helpfulness": 8, "personalization": 6, "consistency": 10, "detail": 10}""")));
            },
        };

        var report = await new PersonaBenchRunner(With(Scripted().Models, judge: judge)).RunAsync(BenchmarkDataset.LoadMini().Take(1, 2), [BenchmarkSetting.Learning(5), BenchmarkSetting.Learning(1)]);

        var nothingLearned = Assert.Single(report.Personas, p => p.Setting == BenchmarkSetting.Learning(5).Key);
        Assert.Equal((string.Empty, 0.0, 0.0, (string?)null), (nothingLearned.LearnedPersona, nothingLearned.Consistency!.Value, nothingLearned.Detail!.Value, nothingLearned.JudgeError));
        Assert.Equal(0, report.Rows.Single(r => r.Setting.Key == BenchmarkSetting.Learning(5).Key).Similarity);
        Assert.Equal(1, personaJudgeCalls); // k = 1 learned something, and that is judged
        Assert.Equal(10, report.Personas.Single(p => p.Setting == BenchmarkSetting.Learning(1).Key).Consistency);
    }

    [Theory]
    [InlineData("unreadable")]
    [InlineData("throws")]
    public async Task FailedPersonaUpdates_AreCountedInTheSessionThatRanThem_AndShownBesideTheRow(string how)
    {
        // The optimizer fails the first time only; the update is retried after UpdateRetryDelay (a minute), so the
        // scenes right after it do not call the optimizer again.
        var scripted = Scripted().Models;
        var calls = 0;
        var optimizer = new TestChatClient
        {
            GetResponseAsyncCallback = (messages, options, ct) => Interlocked.Increment(ref calls) == 1
                ? how == "throws" ? throw new HttpRequestException("model down") : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "no JSON here")))
                : scripted.Optimizer.GetResponseAsync(messages, options, ct),
        };

        var report = await new PersonaBenchRunner(With(scripted, optimizer: optimizer), new PersonaBenchOptions { OutputDirectory = _output.Path })
            .RunAsync(BenchmarkDataset.LoadMini().Take(1, 3), [BenchmarkSetting.Learning(1)]);

        Assert.Equal(1, calls);
        Assert.Equal([1, 0, 0], report.Sessions.Select(s => s.OptimizerFailures));
        Assert.Equal(1, Assert.Single(report.Rows).OptimizerFailures);
        Assert.Contains("(1 failed persona updates)", ReportWriter.ToTable(report), StringComparison.Ordinal);
        var summary = (await File.ReadAllLinesAsync(Path.Combine(_output.Path, "summary.csv")))[1];
        Assert.EndsWith(",0,1", summary, StringComparison.Ordinal); // judge failures, optimizer failures
    }

    [Fact]
    public async Task NoPersona_SendsNoPersonaAndNoPastConversations()
    {
        var (models, assistant) = Scripted();

        await new PersonaBenchRunner(models).RunAsync(BenchmarkDataset.LoadMini().Take(1, 3), [BenchmarkSetting.NoPersona]);

        Assert.All(assistant.Requests, r => Assert.DoesNotContain(r, m => m.Role == ChatRole.System && (m.Text.Contains("<user_persona>", StringComparison.Ordinal) || m.Text.Contains("past conversations", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task GoldenPersona_GivesTheAssistantTheGoldenPersonaFromTheFirstRequest_AndNeverLearns()
    {
        var (models, assistant) = Scripted();
        var optimizer = new RecordingChatClient(models.Optimizer);
        models = With(models, optimizer: optimizer);
        var dataset = BenchmarkDataset.LoadMini().Take(1, 4);

        var report = await new PersonaBenchRunner(models).RunAsync(dataset, [BenchmarkSetting.GoldenPersona]);

        var persona = assistant.Requests[0].Single(m => m.Text.Contains("<user_persona>", StringComparison.Ordinal)).Text;
        Assert.Contains("demographics.name: \"Marta Silva\"", persona, StringComparison.Ordinal);
        Assert.Contains("Vegetarian diet", persona, StringComparison.Ordinal);
        Assert.Empty(optimizer.Requests);
        Assert.Empty(report.Personas);
    }

    [Fact]
    public async Task ConversationRag_RetrievesEarlierSessions_NotAPersona()
    {
        var (models, assistant) = Scripted();
        var dataset = BenchmarkDataset.LoadMini().Take(1, 2);

        await new PersonaBenchRunner(models).RunAsync(dataset, [BenchmarkSetting.ConversationRag]);

        var firstScene = dataset.Personas[0].Scenes[0];
        var secondSceneRequest = assistant.Requests.First(r => r.Any(m => m.Role == ChatRole.User && m.Text == dataset.Personas[0].Scenes[1].NeutralizedQuery));
        var context = Assert.Single(secondSceneRequest, m => m.Text.StartsWith("Relevant past conversations", StringComparison.Ordinal));
        Assert.Contains(firstScene.NeutralizedQuery, context.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(assistant.Requests.SelectMany(r => r), m => m.Text.Contains("<user_persona>", StringComparison.Ordinal));
        Assert.DoesNotContain(assistant.Requests[0], m => m.Text.StartsWith("Relevant past conversations", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 4, 4)]
    [InlineData(3, 4, 1)]
    [InlineData(5, 4, 0)]
    public async Task PersonaLearning_RunsTheOptimizerEveryKSessions_AndJudgesPersonaSimilarity(int k, int scenes, int expectedUpdates)
    {
        var (models, assistant) = Scripted();
        var optimizer = new RecordingChatClient(models.Optimizer);
        models = With(models, optimizer: optimizer);
        var dataset = BenchmarkDataset.LoadMini().Take(1, scenes);

        var report = await new PersonaBenchRunner(models).RunAsync(dataset, [BenchmarkSetting.Learning(k)]);

        Assert.Equal(expectedUpdates, optimizer.Requests.Count);
        var record = Assert.Single(report.Personas);
        Assert.NotNull(record.Similarity);
        if (k == 1)
        {
            // What the user revealed in scene 1 is in the persona of scene 2's first request.
            var trait = report.Sessions[0].Turns[1].User;
            var secondScene = assistant.Requests.First(r => r.Any(m => m.Role == ChatRole.User && m.Text == dataset.Personas[0].Scenes[1].NeutralizedQuery));
            Assert.Contains(trait, Assert.Single(secondScene, m => m.Text.Contains("<user_persona>", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
            Assert.True(record.Detail > 0);
        }
        else if (expectedUpdates == 0)
        {
            Assert.Equal(string.Empty, record.LearnedPersona);
            Assert.Equal(0, record.Detail);
        }
    }

    [Fact]
    public async Task AllSixSettings_GiveSixRows_AndTheFilesAreWritten()
    {
        var report = await new PersonaBenchRunner(PersonaBenchModels.CreateScripted(), new PersonaBenchOptions { OutputDirectory = _output.Path, MaxParallelism = 3 })
            .RunAsync(BenchmarkDataset.LoadMini().Take(2, 3), BenchmarkSetting.All);

        var table = ReportWriter.ToTable(report);
        Assert.Equal(6, report.Rows.Count);
        Assert.All(BenchmarkSetting.All, s => Assert.Contains(s.Name, table, StringComparison.Ordinal));
        Assert.All(report.Rows, r => Assert.Equal(6, r.Sessions));
        Assert.Equal(6, report.Personas.Count); // learning k=1,3,5 × 2 personas
        foreach (var file in new[] { "report.json", "summary.csv", "sessions.csv", "sessions.jsonl", "personas.jsonl" })
        {
            Assert.True(File.Exists(Path.Combine(_output.Path, file)), file);
        }

        Assert.Equal(37, File.ReadAllLines(Path.Combine(_output.Path, "sessions.csv")).Length);
    }

    [Fact]
    public async Task AnInterruptedRun_ResumesWhereItStopped_WithoutRepeatingFinishedSessions()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(2, 4);
        var settings = new[] { BenchmarkSetting.NoPersona, BenchmarkSetting.Learning(3) };
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        using var cancel = new CancellationTokenSource();
        var first = Scripted();
        var progress = new SynchronousProgress(p =>
        {
            if (p.CompletedSessions == 6)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PersonaBenchRunner(first.Models, options).RunAsync(dataset, settings, progress, cancel.Token));
        var finished = File.ReadAllLines(Path.Combine(_output.Path, "sessions.jsonl")).Length;
        Assert.Equal(6, finished);

        // A crash can also tear the last line: it is ignored and that session redone.
        await File.AppendAllTextAsync(Path.Combine(_output.Path, "sessions.jsonl"), "{\"setting\":\"nope");

        var second = Scripted();
        var report = await new PersonaBenchRunner(second.Models, options).RunAsync(dataset, settings);

        Assert.Equal(16, report.Sessions.Count);
        Assert.Equal(16, report.Sessions.Select(s => (s.Setting, s.PersonaId, s.SceneId)).Distinct().Count());
        var resumedOpenings = second.Assistant.Requests.Count(r => r.Count(m => m.Role == ChatRole.User) == 1 && r[^1].Role == ChatRole.User);
        Assert.Equal(16 - finished, resumedOpenings);
        Assert.Equal(2, report.Personas.Count);

        // Learning state survived too: the resumed k=3 run still updated the persona from the sessions before the stop.
        var learned = report.Personas.Single(p => p.PersonaId == dataset.Personas[0].Id);
        Assert.NotEqual(string.Empty, learned.LearnedPersona);
    }

    [Theory]
    [InlineData("personas")]
    [InlineData("learned")] // a session file
    public async Task AStateFileDamagedByHand_StopsTheResumedRun_BeforeAnySceneIsPlayed_NamingTheFile(string folder)
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 4);
        var settings = new[] { BenchmarkSetting.Learning(1) };
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.CompletedSessions == 2)
            {
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, settings, progress, cancel.Token));
        var file = Directory.GetFiles(Path.Combine(_output.Path, "state"), "*.json", SearchOption.AllDirectories).First(f => Path.GetFileName(Path.GetDirectoryName(f)) == folder);
        await File.WriteAllTextAsync(file, "{\"torn", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, settings));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Equal("{\"torn", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_output.Path, "sessions.jsonl")).Length); // what finished is kept, nothing more played
    }

    [Fact]
    public async Task ARunStoppedAfterTheLastSession_ButBeforeThePersonaWasJudged_JudgesItOnResume()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 3);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        var first = Scripted();
        var failingJudge = new TestChatClient
        {
            GetResponseAsyncCallback = (messages, o, ct) => messages[^1].Text.Contains("Learned persona:", StringComparison.Ordinal)
                ? throw new HttpRequestException("the judge's endpoint went away")
                : first.Models.Judge.GetResponseAsync(messages, o, ct),
        };

        await Assert.ThrowsAsync<HttpRequestException>(() => new PersonaBenchRunner(With(first.Models, judge: failingJudge), options).RunAsync(dataset, [BenchmarkSetting.Learning(3)]));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_output.Path, "sessions.jsonl")).Length);

        var second = Scripted();
        var report = await new PersonaBenchRunner(second.Models, options).RunAsync(dataset, [BenchmarkSetting.Learning(3)]);

        Assert.Empty(second.Assistant.Requests); // every session had finished
        var persona = Assert.Single(report.Personas);
        Assert.NotEqual(string.Empty, persona.LearnedPersona); // the persona learned before the stop, read back from state/
        Assert.Null(persona.JudgeError);
    }

    [Fact]
    public async Task ARunStoppedInsideAScene_RedoesThatScene_WithoutKeepingItsHalfFinishedSession()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 6);
        var setting = BenchmarkSetting.Learning(3);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        var first = Scripted();
        var openingVerdicts = 0;
        var user = new TestChatClient
        {
            // The simulated user's verdict on scene 5's first answer fails: that answer is already recorded.
            GetResponseAsyncCallback = (messages, o, ct) => messages.Count == 2 && Interlocked.Increment(ref openingVerdicts) == 5
                ? throw new HttpRequestException("the user simulator's endpoint went away")
                : first.Models.UserSimulator.GetResponseAsync(messages, o, ct),
        };
        await Assert.ThrowsAsync<HttpRequestException>(() => new PersonaBenchRunner(With(first.Models, userSimulator: user), options).RunAsync(dataset, [setting]));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_output.Path, "sessions.jsonl")).Length);

        var second = Scripted();
        var optimizer = new RecordingChatClient(second.Models.Optimizer);
        var report = await new PersonaBenchRunner(With(second.Models, optimizer: optimizer), options).RunAsync(dataset, [setting]);

        Assert.Equal(6, report.Sessions.Count);
        var stored = await StoredSessionsAsync(setting, dataset.Personas[0].Id);
        Assert.Equal(6, stored.Count); // one session per scene: scene 5's first attempt is gone
        Assert.All(stored, s => Assert.Equal(SessionState.Learned, s.State)); // learned in two updates of three
        foreach (var scene in dataset.Personas[0].Scenes)
        {
            Assert.Single(stored.SelectMany(s => s.Messages), m => m.Role == "user" && m.Text == scene.NeutralizedQuery);
        }

        // Nor did its first answer stay in the replayed scene's session: each user message has one answer (tool calls,
        // stored as "[call name(...)]", are not answers).
        Assert.All(stored, s => Assert.Equal(
            s.Messages.Count(m => m.Role == "user"),
            s.Messages.Count(m => m.Role == "assistant" && !m.Text.StartsWith("[call ", StringComparison.Ordinal))));

        Assert.Single(optimizer.Requests); // the update of scenes 4 to 6
    }

    [Fact]
    public async Task ARunStoppedAfterASceneWasSaved_ButBeforeItsSessionEnded_LearnsFromThatSessionOnResume()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 6);
        var setting = BenchmarkSetting.Learning(3);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        using var cancel = new CancellationTokenSource();
        var first = Scripted();
        var satisfied = 0;
        var user = new TestChatClient
        {
            // The stop comes with scene 2's last verdict: its conversation is saved, and ending its session is cancelled.
            GetResponseAsyncCallback = async (messages, o, ct) =>
            {
                var verdict = await first.Models.UserSimulator.GetResponseAsync(messages, o, ct);
                if (VerdictParser.ParseUserVerdict(verdict.Text).Satisfied && Interlocked.Increment(ref satisfied) == 2)
                {
                    await cancel.CancelAsync();
                }

                return verdict;
            },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PersonaBenchRunner(With(first.Models, userSimulator: user), options).RunAsync(dataset, [setting], cancellationToken: cancel.Token));
        Assert.Equal([SessionState.Completed, SessionState.Open], (await StoredSessionsAsync(setting, dataset.Personas[0].Id)).Select(s => s.State));

        var second = Scripted();
        var report = await new PersonaBenchRunner(second.Models, options).RunAsync(dataset, [setting]);

        Assert.Equal(6, report.Sessions.Count);
        var stored = await StoredSessionsAsync(setting, dataset.Personas[0].Id);
        Assert.Equal(6, stored.Count); // scene 2's session was kept, not discarded as half-finished
        Assert.All(stored, s => Assert.Equal(SessionState.Learned, s.State));
        Assert.Single(stored.SelectMany(s => s.Messages), m => m.Role == "user" && m.Text == dataset.Personas[0].Scenes[1].NeutralizedQuery);
    }

    [Theory]
    [InlineData("learning")]
    [InlineData("rag")]
    public async Task ARunStoppedWhileTheJudgeScoredAScene_JudgesItOnResume_WithoutReplayingIt(string which)
    {
        var setting = which == "rag" ? BenchmarkSetting.ConversationRag : BenchmarkSetting.Learning(3);
        var dataset = BenchmarkDataset.LoadMini().Take(1, 6);
        var uninterrupted = await new PersonaBenchRunner(Scripted().Models).RunAsync(dataset, [setting]);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        var first = Scripted();
        var judged = 0;
        var judge = new TestChatClient
        {
            // Scene 3's judge call fails, after its session ended (and, when learning, after the update of scenes 1-3).
            GetResponseAsyncCallback = (messages, o, ct) => !messages[^1].Text.Contains("Learned persona:", StringComparison.Ordinal) && Interlocked.Increment(ref judged) == 3
                ? throw new HttpRequestException("the judge's endpoint went away")
                : first.Models.Judge.GetResponseAsync(messages, o, ct),
        };
        await Assert.ThrowsAsync<HttpRequestException>(() => new PersonaBenchRunner(With(first.Models, judge: judge), options).RunAsync(dataset, [setting]));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_output.Path, "sessions.jsonl")).Length);

        var second = Scripted();
        var report = await new PersonaBenchRunner(second.Models, options).RunAsync(dataset, [setting]);

        var openings = second.Assistant.Requests.Where(r => r.Count(m => m.Role == ChatRole.User) == 1 && r[^1].Role == ChatRole.User).Select(r => r[^1].Text);
        Assert.Equal(dataset.Personas[0].Scenes.Skip(3).Select(s => s.NeutralizedQuery), openings); // scene 3 is not played again
        var stored = await StoredSessionsAsync(setting, dataset.Personas[0].Id);
        Assert.Equal(6, stored.Count);
        Assert.Equal(setting.Kind == BenchmarkSettingKind.PersonaLearning ? 6 : 0, stored.Count(s => s.State == SessionState.Learned));

        // The resumed records are what an uninterrupted run records, tokens of both halves of scene 3 included.
        Assert.Equal(
            uninterrupted.Sessions.Select(s => (s.SceneId, s.Helpfulness, s.Personalization, s.Utterances, s.InputTokens, s.OutputTokens)),
            report.Sessions.OrderBy(s => s.SceneId, StringComparer.Ordinal).Select(s => (s.SceneId, s.Helpfulness, s.Personalization, s.Utterances, s.InputTokens, s.OutputTokens)));
        Assert.Equal(uninterrupted.Personas.Select(p => p.LearnedPersona), report.Personas.Select(p => p.LearnedPersona));
    }

    [Fact]
    public async Task AFinishedRun_RunAgainIntoItsDirectory_CallsNoModel_AndAddsNoRecord()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 3);
        var settings = new[] { BenchmarkSetting.NoPersona, BenchmarkSetting.Learning(3) };
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, settings);

        // A blank line (an editor's, or a torn write's) does not hide the records after it.
        var sessionsFile = Path.Combine(_output.Path, "sessions.jsonl");
        var sessionLines = File.ReadAllLines(sessionsFile);
        File.WriteAllLines(sessionsFile, [sessionLines[0], "", .. sessionLines[1..]]);
        var personaLines = File.ReadAllLines(Path.Combine(_output.Path, "personas.jsonl")).Length;

        var scripted = PersonaBenchModels.CreateScripted();
        var assistant = new RecordingChatClient(scripted.Assistant);
        var judge = new RecordingChatClient(scripted.Judge);
        var report = await new PersonaBenchRunner(With(scripted, assistant: assistant, judge: judge), options).RunAsync(dataset, settings);

        Assert.Empty(assistant.Requests);
        Assert.Empty(judge.Requests);
        Assert.Equal(6, report.Sessions.Count);
        Assert.Equal(6, File.ReadAllLines(sessionsFile).Count(l => l.Length > 0));
        Assert.Equal(personaLines, File.ReadAllLines(Path.Combine(_output.Path, "personas.jsonl")).Length);
        Assert.Single(report.Personas);
    }

    [Fact]
    public async Task DeleteResults_DeletesWhatRunsWrote_AndNothingElseInTheDirectory()
    {
        // The directory the user named holds things of theirs: a file, a folder, even a "state" folder of their own.
        await File.WriteAllTextAsync(Path.Combine(_output.Path, "notes.txt"), "mine", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_output.Path, "photos"));
        Directory.CreateDirectory(Path.Combine(_output.Path, "state", "taxes"));
        var dataset = BenchmarkDataset.LoadMini().Take(1, 3);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona, BenchmarkSetting.Learning(3)]);
        Assert.True(Directory.Exists(Path.Combine(_output.Path, "state", "learning-k3")));

        PersonaBenchRunner.DeleteResults(_output.Path);

        Assert.Equal(["notes.txt", "photos", "state"], Directory.EnumerateFileSystemEntries(_output.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([Path.Combine(_output.Path, "state", "taxes")], Directory.EnumerateFileSystemEntries(Path.Combine(_output.Path, "state")));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(_output.Path, "notes.txt"), TestContext.Current.CancellationToken));

        // Started over: a run with other models is not refused, and plays every session again.
        var other = Scripted().Models;
        var assistant = new RecordingChatClient(other.Assistant);
        var report = await new PersonaBenchRunner(
            new PersonaBenchModels { Assistant = assistant, UserSimulator = other.UserSimulator, Judge = other.Judge, Optimizer = other.Optimizer, ToolSimulator = other.ToolSimulator, Description = "other models" },
            options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        Assert.Equal(3, report.Sessions.Count);
        Assert.NotEmpty(assistant.Requests);

        // A directory that held only results is deleted with them.
        PersonaBenchRunner.DeleteResults(_output.Path);
        Assert.True(Directory.Exists(_output.Path));
        File.Delete(Path.Combine(_output.Path, "notes.txt"));
        Directory.Delete(Path.Combine(_output.Path, "photos"));
        Directory.Delete(Path.Combine(_output.Path, "state"), recursive: true);
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        PersonaBenchRunner.DeleteResults(_output.Path);
        Assert.False(Directory.Exists(_output.Path));
        PersonaBenchRunner.DeleteResults(_output.Path); // and a missing one is nothing to do
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0f)]
    public async Task TheConfiguredTemperature_GoesWithTheUsersTheJudgesAndTheOptimizersCalls_AndNoneByDefault(float? temperature)
    {
        var scripted = Scripted().Models;
        var (user, judge, optimizer) = (new RecordingChatClient(scripted.UserSimulator), new RecordingChatClient(scripted.Judge), new RecordingChatClient(scripted.Optimizer));
        var models = With(scripted, userSimulator: user, judge: judge, optimizer: optimizer);

        await new PersonaBenchRunner(models, new PersonaBenchOptions { Temperature = temperature }).RunAsync(BenchmarkDataset.LoadMini().Take(1, 2), [BenchmarkSetting.Learning(1)]);

        List<ChatOptions?> options = [.. user.Options, .. judge.Options, .. optimizer.Options];
        Assert.NotEmpty(user.Options);
        Assert.Equal(3, judge.Options.Count); // two scenes and the persona
        Assert.Equal(2, optimizer.Options.Count);
        Assert.All(options, o => Assert.Equal(temperature, o!.Temperature));
    }

    [Fact]
    public async Task TheTemperature_MustBeBetween0And2_AndARunResumesOnlyWithTheSameOne()
    {
        var models = PersonaBenchModels.CreateScripted();
        Assert.Contains("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => new PersonaBenchRunner(models, new PersonaBenchOptions { Temperature = 2.5f })).Message, StringComparison.Ordinal);

        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);
        await new PersonaBenchRunner(models, new PersonaBenchOptions { OutputDirectory = _output.Path }).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        var refused = await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(models, new PersonaBenchOptions { OutputDirectory = _output.Path, Temperature = 0 })
            .RunAsync(dataset, [BenchmarkSetting.NoPersona]));
        Assert.Contains("temperature none", refused.Message, StringComparison.Ordinal);
        Assert.Contains("temperature 0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumingWithOtherPersonasOrScenes_IsRefused_SoALearnedPersonaJudgedAfterFewerScenesIsNeverReported()
    {
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(BenchmarkDataset.LoadMini().Take(1, 2), [BenchmarkSetting.Learning(1)]);
        var personas = await File.ReadAllTextAsync(Path.Combine(_output.Path, "personas.jsonl"), TestContext.Current.CancellationToken);

        // More scenes of the same persona: its persona was judged after two, which a report over three would present.
        var refused = await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(Scripted().Models, options)
            .RunAsync(BenchmarkDataset.LoadMini().Take(1, 3), [BenchmarkSetting.Learning(1)]));
        Assert.Contains("1 persona, 2 scenes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("1 persona, 3 scenes", refused.Message, StringComparison.Ordinal);

        // The same counts with a scene's text changed.
        var edited = BenchmarkDataset.LoadMini().Take(1, 2);
        edited.Personas[0].Scenes[1].NeutralizedQuery += " Thanks.";
        await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(Scripted().Models, options)
            .RunAsync(edited, [BenchmarkSetting.Learning(1)]));
        Assert.Equal(personas, await File.ReadAllTextAsync(Path.Combine(_output.Path, "personas.jsonl"), TestContext.Current.CancellationToken));

        // The same dataset, loaded again, resumes.
        var report = await new PersonaBenchRunner(Scripted().Models, options).RunAsync(BenchmarkDataset.LoadMini().Take(1, 2), [BenchmarkSetting.Learning(1), BenchmarkSetting.NoPersona]);
        Assert.Equal(4, report.Sessions.Count);
    }

    [Theory]
    [InlineData("datasetContent")]
    [InlineData("prompts")]
    public async Task ARunJsonWrittenBeforeItNamedTheDatasetContentOrThePrompts_StillResumes(string property)
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        var path = Path.Combine(_output.Path, "run.json");
        var runJson = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!.AsObject();
        Assert.True(runJson.Remove(property));
        await File.WriteAllTextAsync(path, runJson.ToJsonString(), TestContext.Current.CancellationToken);

        var report = await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona, BenchmarkSetting.GoldenPersona]);

        Assert.Equal(2, report.Sessions.Count);
    }

    [Fact]
    public async Task ResultsJudgedWithOtherPrompts_AreNotResumedInto()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        var path = Path.Combine(_output.Path, "run.json");
        var runJson = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal(BenchmarkPrompts.Fingerprint, (string?)runJson["prompts"]);
        runJson["prompts"] = "0123456789abcdef"; // as a package version that words its judge prompts otherwise writes it
        await File.WriteAllTextAsync(path, runJson.ToJsonString(), TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(Scripted().Models, options)
            .RunAsync(dataset, [BenchmarkSetting.NoPersona, BenchmarkSetting.GoldenPersona]));

        Assert.Contains("prompts 0123456789abcdef", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"prompts {BenchmarkPrompts.Fingerprint}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePromptFingerprint_CoversTheTextAiPersonaSendsAModel_NotOnlyTheHarnesss()
    {
        var text = BenchmarkPrompts.FingerprintedText();
        var at = DateTimeOffset.UnixEpoch;
        var persona = Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", null, "s")], at).Updated;
        var session = new ConversationSession("s", "u", null, SessionState.Completed, at, at, at, null, [new SessionMessage("user", "hi", at)]);

        Assert.Contains(BenchmarkPrompts.ResponseJudge(new BenchmarkPersona(), new BenchmarkScene(), "reply").Split('\n')[0], text, StringComparison.Ordinal);
        Assert.Contains(PersonaRenderer.Header, text, StringComparison.Ordinal); // the persona as rendered into a request
        Assert.Contains(OptimizerPrompt.Create(new PersonaOptimizationRequest(persona, PersonaSchema.CreateDefault(), [session]), 24_000, 300).Messages[0].Text, text, StringComparison.Ordinal);
        Assert.Contains(ConversationRagChatClient.Context([]), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsFromBeforeRunJsonExisted_AreResumed_WithoutARunJsonClaimingWhatMadeThem()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 2);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(BenchmarkDataset.LoadMini().Take(1, 1), [BenchmarkSetting.NoPersona]);
        File.Delete(Path.Combine(_output.Path, "run.json")); // as versions before it left a directory

        var report = await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);

        Assert.Equal(2, report.Sessions.Count);
        Assert.False(File.Exists(Path.Combine(_output.Path, "run.json"))); // nothing is known about what made the first session
    }

    [Theory]
    [InlineData("{\"Models\": \"SIMULA")]
    [InlineData("null")]
    [InlineData("")]
    public async Task ADamagedRunJson_IsRefused_RatherThanGuessingWhatProducedTheResults(string runJson)
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);
        var sessions = await File.ReadAllTextAsync(Path.Combine(_output.Path, "sessions.jsonl"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_output.Path, "run.json"), runJson, TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]));

        Assert.Contains("run.json", refused.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", refused.Message, StringComparison.Ordinal);
        Assert.Equal(runJson, await File.ReadAllTextAsync(Path.Combine(_output.Path, "run.json"), TestContext.Current.CancellationToken)); // left for the user to look at
        Assert.Equal(sessions, await File.ReadAllTextAsync(Path.Combine(_output.Path, "sessions.jsonl"), TestContext.Current.CancellationToken));
    }

    public static TheoryData<BenchmarkSetting[], string> InvalidSettings => new()
    {
        { [], "Name at least one setting" },
        { [BenchmarkSetting.NoPersona, BenchmarkSetting.Learning(3), BenchmarkSetting.NoPersona], "The setting 'nopersona' is listed twice." },
        { [BenchmarkSetting.Learning(3), new BenchmarkSetting(BenchmarkSettingKind.PersonaLearning, 3)], "The setting 'learning-k3' is listed twice." },
        { [new BenchmarkSetting(BenchmarkSettingKind.PersonaLearning)], "Persona Learning needs k of at least 1" },
        { [new BenchmarkSetting((BenchmarkSettingKind)42)], "'42' is not a BenchmarkSettingKind." },
        { [null!], "The settings hold a null entry." },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task SettingsThatAreEmpty_ListedTwice_OrInvalid_AreRefused_BeforeAnythingIsWritten(BenchmarkSetting[] settings, string message)
    {
        var (models, assistant) = Scripted();

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => new PersonaBenchRunner(models, new PersonaBenchOptions { OutputDirectory = _output.Path })
            .RunAsync(BenchmarkDataset.LoadMini().Take(1, 1), settings));

        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
        Assert.Equal("settings", refused.ParamName);
        Assert.Empty(assistant.Requests);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_output.Path));
    }

    [Fact]
    public void OptimizerTimeout_MustBePositiveAndAtMostOneDay_OrInfinite()
    {
        var models = PersonaBenchModels.CreateScripted();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new PersonaBenchRunner(models, new PersonaBenchOptions { OptimizerTimeout = TimeSpan.Zero }));
        Assert.Contains("OptimizerTimeout", ex.Message, StringComparison.Ordinal);
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => new PersonaBenchRunner(models, new PersonaBenchOptions { OptimizerTimeout = TimeSpan.FromDays(60) }));
        Assert.Contains("OptimizerTimeout must be positive and at most one day", tooLong.Message, StringComparison.Ordinal);
        _ = new PersonaBenchRunner(models, new PersonaBenchOptions { OptimizerTimeout = Timeout.InfiniteTimeSpan });
        _ = new PersonaBenchRunner(models, new PersonaBenchOptions { OptimizerTimeout = TimeSpan.FromDays(1) });
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void AnOutputDirectoryThatIsBlank_IsRefused_RatherThanWritingIntoTheCurrentFolder(string directory)
    {
        var ex = Assert.Throws<ArgumentException>(() => new PersonaBenchRunner(PersonaBenchModels.CreateScripted(), new PersonaBenchOptions { OutputDirectory = directory }));
        Assert.Contains("OutputDirectory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumingIntoResultsOfOtherModels_IsRefused_SoTheyAreNeverMixed()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 2);
        var options = new PersonaBenchOptions { OutputDirectory = _output.Path };
        await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]);

        var other = Scripted().Models;
        var otherModels = new PersonaBenchModels
        {
            Assistant = other.Assistant, UserSimulator = other.UserSimulator, Judge = other.Judge, Optimizer = other.Optimizer, ToolSimulator = other.ToolSimulator,
            Description = "openai: assistant gpt-test, judge gpt-judge",
        };
        var refused = await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(otherModels, options).RunAsync(dataset, [BenchmarkSetting.NoPersona]));
        Assert.Contains("gpt-judge", refused.Message, StringComparison.Ordinal);
        Assert.Contains("SIMULATION", refused.Message, StringComparison.Ordinal); // what the directory holds
        await Assert.ThrowsAsync<PersonaBenchOutputConflictException>(() => new PersonaBenchRunner(Scripted().Models, new PersonaBenchOptions { OutputDirectory = _output.Path, MaxUserTurns = 2 })
            .RunAsync(dataset, [BenchmarkSetting.NoPersona]));

        // The same configuration resumes, here with one more setting.
        var report = await new PersonaBenchRunner(Scripted().Models, options).RunAsync(dataset, [BenchmarkSetting.NoPersona, BenchmarkSetting.GoldenPersona]);
        Assert.Equal(4, report.Sessions.Count);
    }

    public void Dispose() => _output.Dispose();

    private async Task<IReadOnlyList<ConversationSession>> StoredSessionsAsync(BenchmarkSetting setting, string personaId)
    {
        var state = Path.Combine(_output.Path, "state", setting.Key, personaId);
        return await new FileSystemSessionStore(Microsoft.Extensions.Options.Options.Create(new FileSystemStorageOptions { RootDirectory = state })).GetSessionsAsync(personaId);
    }

    private static (PersonaBenchModels Models, RecordingChatClient Assistant) Scripted()
    {
        var scripted = PersonaBenchModels.CreateScripted();
        var assistant = new RecordingChatClient(scripted.Assistant);
        return (With(scripted, assistant: assistant), assistant);
    }

    private static PersonaBenchModels With(PersonaBenchModels models, IChatClient? assistant = null, IChatClient? userSimulator = null, IChatClient? judge = null, IChatClient? optimizer = null) => new()
    {
        Assistant = assistant ?? models.Assistant,
        UserSimulator = userSimulator ?? models.UserSimulator,
        Judge = judge ?? models.Judge,
        Optimizer = optimizer ?? models.Optimizer,
        ToolSimulator = models.ToolSimulator,
        Description = models.Description,
        IsSimulation = true,
    };

    private sealed class SynchronousProgress(Action<BenchmarkProgress> report) : IProgress<BenchmarkProgress>
    {
        public void Report(BenchmarkProgress value) => report(value);
    }
}
