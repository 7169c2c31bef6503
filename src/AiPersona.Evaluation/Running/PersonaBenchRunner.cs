using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Evaluation;

/// <summary>Runs PersonaBench: every persona lives through its scenes once per setting, with a fresh AiPersona instance
/// per (setting, persona). Records are written as they finish, so a run interrupted part-way resumes where it stopped
/// (persona and session state are kept on disk too).</summary>
public sealed class PersonaBenchRunner
{
    private readonly PersonaBenchModels _models;
    private readonly PersonaBenchOptions _options;

    /// <summary>Initializes a new instance of the <see cref="PersonaBenchRunner"/> class.</summary>
    /// <param name="models">The models for each role.</param>
    /// <param name="options">The run options.</param>
    public PersonaBenchRunner(PersonaBenchModels models, PersonaBenchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = models;
        _options = options ?? new PersonaBenchOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxUserTurns, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxParallelism, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RagSessions, 1, nameof(options));
        if (_options.Temperature is { } temperature && !(temperature is >= 0 and <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(options), temperature, "PersonaBenchOptions.Temperature must be between 0 and 2, or null to send none.");
        }

        if ((_options.OptimizerTimeout <= TimeSpan.Zero || _options.OptimizerTimeout > TimeSpan.FromDays(1)) && _options.OptimizerTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.OptimizerTimeout, "PersonaBenchOptions.OptimizerTimeout must be positive and at most one day, or Timeout.InfiniteTimeSpan.");
        }

        if (_options.OutputDirectory is { } directory && string.IsNullOrWhiteSpace(directory))
        {
            throw new ArgumentException("PersonaBenchOptions.OutputDirectory must be a directory path, or null to keep everything in memory.", nameof(options));
        }
    }

    /// <summary>Deletes what runs wrote into an output directory — records, report files, <c>run.json</c> and the resume
    /// state — so that the next run starts over. Nothing else in the directory is touched; the directory itself is deleted
    /// when that leaves it empty.</summary>
    /// <param name="outputDirectory">The directory a run was given as <see cref="PersonaBenchOptions.OutputDirectory"/>.</param>
    public static void DeleteResults(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ResultsFiles.Delete(outputDirectory);
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="dataset">The personas and scenes.</param>
    /// <param name="settings">The settings (table rows); <see cref="BenchmarkSetting.All"/> for the paper's six.</param>
    /// <param name="progress">Receives a report after every finished session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests. Cancelling keeps what finished.</param>
    /// <returns>The report over every record of the output directory, including ones from earlier interrupted runs.</returns>
    /// <exception cref="ArgumentException">The settings are empty or name one twice, or the dataset has problems
    /// (<see cref="BenchmarkDatasetValidator.Validate"/>); nothing is written.</exception>
    /// <exception cref="PersonaBenchOutputConflictException">The output directory holds results produced with other models,
    /// another dataset or another protocol (its <c>run.json</c> says which), or a <c>run.json</c> that cannot be
    /// read.</exception>
    public async Task<PersonaBenchReport> RunAsync(
        BenchmarkDataset dataset,
        IReadOnlyList<BenchmarkSetting> settings,
        IProgress<BenchmarkProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(settings);
        ThrowIfInvalid(settings);
        var problems = BenchmarkDatasetValidator.Validate(dataset);
        if (problems.Count > 0)
        {
            throw new ArgumentException("The dataset is not valid: " + string.Join(" ", problems.Take(5)), nameof(dataset));
        }

        var results = await ResultsStore.OpenAsync(_options.OutputDirectory, cancellationToken).ConfigureAwait(false);
        await results.CheckOrWriteManifestAsync(RunManifest.For(_models, dataset, _options), cancellationToken).ConfigureAwait(false);
        var total = settings.Count * dataset.Personas.Sum(p => p.Scenes.Count);
        var completed = settings.Sum(s => dataset.Personas.Sum(p => p.Scenes.Count(scene => results.HasSession(s, p.Id, scene.Id))));
        var units = settings.SelectMany(s => dataset.Personas.Select(p => (Setting: s, Persona: p))).ToList();
        await Parallel.ForEachAsync(
            units,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelism, CancellationToken = cancellationToken },
            async (unit, ct) => await RunUnitAsync(unit.Setting, unit.Persona, results, () =>
            {
                var done = Interlocked.Increment(ref completed);
                return done;
            }, total, progress, ct).ConfigureAwait(false)).ConfigureAwait(false);

        var report = PersonaBenchReport.From(settings, results.Sessions, results.Personas);
        if (_options.OutputDirectory is not null)
        {
            await ReportWriter.WriteFilesAsync(report, _options.OutputDirectory, cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    // Each setting is a table row with its own state folder: one listed twice would run twice at once over that folder.
    private static void ThrowIfInvalid(IReadOnlyList<BenchmarkSetting> settings)
    {
        if (settings.Count == 0)
        {
            throw new ArgumentException("Name at least one setting; BenchmarkSetting.All gives the paper's six.", nameof(settings));
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var setting in settings)
        {
            if (setting is null)
            {
                throw new ArgumentException("The settings hold a null entry.", nameof(settings));
            }

            if (!Enum.IsDefined(setting.Kind))
            {
                throw new ArgumentException($"'{setting.Kind}' is not a BenchmarkSettingKind.", nameof(settings));
            }

            if (setting.Kind == BenchmarkSettingKind.PersonaLearning && setting.SessionsPerUpdate < 1)
            {
                throw new ArgumentException($"Persona Learning needs k of at least 1 (BenchmarkSetting.Learning(k)); it is {setting.SessionsPerUpdate}.", nameof(settings));
            }

            if (!keys.Add(setting.Key))
            {
                throw new ArgumentException($"The setting '{setting.Key}' is listed twice.", nameof(settings));
            }
        }
    }

    private async Task RunUnitAsync(
        BenchmarkSetting setting,
        BenchmarkPersona persona,
        ResultsStore results,
        Func<int> countCompleted,
        int total,
        IProgress<BenchmarkProgress>? progress,
        CancellationToken cancellationToken)
    {
        var pending = persona.Scenes.Where(s => !results.HasSession(setting, persona.Id, s.Id)).ToList();
        var learning = setting.Kind == BenchmarkSettingKind.PersonaLearning;
        if (pending.Count == 0 && (!learning || results.HasPersona(setting, persona.Id)))
        {
            return;
        }

        var (services, optimizer) = BuildServices(setting, persona);
        await using var disposeServices = services;
        var store = services.GetRequiredService<IPersonaStore>();

        // The state a resumed run goes on from is read whole first: a file under state/ damaged by hand stops the run
        // before a scene is played. (The chat client would carry on without the persona, as it must not fail a user's
        // call, and the sessions played so would measure the damage.)
        var stored = await store.GetAsync(persona.Id, cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<ISessionManager>().GetSessionsAsync(persona.Id, cancellationToken).ConfigureAwait(false);
        if (setting.Kind == BenchmarkSettingKind.GoldenPersona && stored.Version == 0)
        {
            var golden = persona.GoldenPersona.SelectMany(s => s.Value.Select(f => PersonaEdit.Set(s.Key, f.Key, f.Value, "golden persona")));
            await store.SaveAsync(Persona.CreateEmpty(persona.Id).ApplyEdits(golden, services.GetRequiredService<TimeProvider>().GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }

        var assistant = BuildAssistant(setting, persona, services);
        var personalized = assistant.GetService<PersonalizedChatClient>();
        var mode = setting.Kind == BenchmarkSettingKind.ConversationRag ? PersonalizationMode.Disabled : PersonalizationMode.Enabled;
        var loop = new SessionLoop(_models, _options.MaxUserTurns, _options.Temperature);
        foreach (var scene in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var conversed = results.FindConversation(setting, persona.Id, scene.Id);
            if (conversed is null && scene == pending[0])
            {
                // Only the first scene a run resumes with can have been interrupted.
                await DiscardInterruptedSessionAsync(services.GetRequiredService<ISessionManager>(), persona.Id, cancellationToken).ConfigureAwait(false);
            }

            var failuresBefore = optimizer?.Failures ?? 0;
            var record = await loop.RunAsync(
                setting,
                persona,
                scene,
                assistant,
                mode,
                conversed,
                results.AddConversation,
                () => personalized is null ? Task.CompletedTask : personalized.EndSessionAsync(persona.Id, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            record.OptimizerFailures = (optimizer?.Failures ?? 0) - failuresBefore;
            results.Add(record);
            progress?.Report(new BenchmarkProgress(countCompleted(), total, setting.Name, persona.Id, scene.Id));
        }

        if (learning && !results.HasPersona(setting, persona.Id))
        {
            results.Add(await JudgePersonaAsync(setting, persona, await store.GetAsync(persona.Id, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));
        }
    }

    // Every scene's session is ended once its conversation is saved, so an open session is what an interrupted run left of
    // a scene it did not finish. The scene is played again from the start: the half of it must not be learned or retrieved.
    private static async Task DiscardInterruptedSessionAsync(ISessionManager sessions, string personaId, CancellationToken cancellationToken)
    {
        foreach (var session in await sessions.GetSessionsAsync(personaId, cancellationToken).ConfigureAwait(false))
        {
            if (session.State == SessionState.Open)
            {
                await sessions.DeleteSessionAsync(personaId, session.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The provider of one (setting, persona) run, and, for persona learning, the optimizer that counts its failed calls.
    private (ServiceProvider Services, FailureCountingOptimizer? Optimizer) BuildServices(BenchmarkSetting setting, BenchmarkPersona persona)
    {
        var services = new ServiceCollection();
        var builder = services.AddAiPersona(o =>
        {
            o.UpdateMode = PersonaUpdateMode.Inline;
            o.OptimizerTimeout = _options.OptimizerTimeout;
            o.OptimizerTemperature = _options.Temperature;
            o.SessionsPerUpdate = setting.Kind == BenchmarkSettingKind.PersonaLearning ? setting.SessionsPerUpdate : 100;
            o.SessionIdleTimeout = TimeSpan.FromDays(3650);
            o.PersonaTokenBudget = 2_000;
        });
        if (_options.OutputDirectory is not null)
        {
            builder.UseFileSystemStorage(Path.Combine(_options.OutputDirectory, ResultsFiles.State, setting.Key, persona.Id));
        }

        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, new UsageCountingChatClient(_models.Optimizer));
        if (setting.Kind != BenchmarkSettingKind.PersonaLearning)
        {
            // Golden Persona and Conversation RAG must never learn, however many scenes a dataset has.
            services.AddSingleton<IPersonaOptimizer, NoLearningOptimizer>();
        }
        else
        {
            services.AddSingleton<IPersonaOptimizer>(sp => new FailureCountingOptimizer(new LlmPersonaOptimizer(
                sp.GetRequiredKeyedService<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AiPersonaOptions>>())));
        }

        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IPersonaOptimizer>() as FailureCountingOptimizer);
    }

    private IChatClient BuildAssistant(BenchmarkSetting setting, BenchmarkPersona persona, IServiceProvider services)
    {
        var documentation = persona.Scenes.SelectMany(s => s.Apis).Where(a => a.ResponseExample is not null)
            .GroupBy(a => a.Name).ToDictionary(g => g.Key, g => "Example response: " + g.First().ResponseExample);
        var tools = new SimulatedToolExecutor(new UsageCountingChatClient(_models.ToolSimulator), documentation);
        var builder = new ChatClientBuilder(new UsageCountingChatClient(_models.Assistant));
        switch (setting.Kind)
        {
            case BenchmarkSettingKind.ConversationRag:
                var sessions = services.GetRequiredService<ISessionManager>();
                builder.Use(inner => new ConversationRagChatClient(inner, sessions, _models.Embeddings, _options.RagSessions)).UsePersonalization();
                break;
            case BenchmarkSettingKind.GoldenPersona:
            case BenchmarkSettingKind.PersonaLearning:
                builder.UsePersonalization();
                break;
        }

        return builder.UseToolExecutor(tools).Build(services);
    }

    private async Task<PersonaRecord> JudgePersonaAsync(BenchmarkSetting setting, BenchmarkPersona persona, Persona learned, CancellationToken cancellationToken)
    {
        var lines = string.Join("\n", learned.Sections.OrderBy(s => s.Key, StringComparer.Ordinal)
            .SelectMany(s => s.Value.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{s.Key}.{f.Key}: {f.Value.Value}")));
        if (lines.Length == 0)
        {
            // Nothing learned is no similarity. A judge asked about it may well find "no contradictions, no inventions" and
            // score its consistency 10, which would lift the row's similarity for learning nothing.
            return new PersonaRecord { Setting = setting.Key, PersonaId = persona.Id, Consistency = 0, Detail = 0, LearnedPersona = lines };
        }

        var response = await _models.Judge.GetResponseAsync(
            [new ChatMessage(ChatRole.User, BenchmarkPrompts.PersonaJudge(persona, lines))],
            new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = _options.Temperature },
            cancellationToken).ConfigureAwait(false);
        var scores = VerdictParser.ParseScores(response.Text, "consistency", "detail");
        return new PersonaRecord
        {
            Setting = setting.Key,
            PersonaId = persona.Id,
            Consistency = scores.Get("consistency"),
            Detail = scores.Get("detail"),
            LearnedPersona = lines,
            JudgeError = scores.Error,
        };
    }
}
