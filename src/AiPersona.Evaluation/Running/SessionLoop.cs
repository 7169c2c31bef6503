using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>Plays one scene: the simulated user opens with the neutralized query, the assistant answers (tools
/// simulated), the user decides whether it is satisfied or follows up, for at most the configured number of user turns.
/// The session then ends (which may run the persona optimizer) and the judge scores the first response.</summary>
internal sealed class SessionLoop(PersonaBenchModels models, int maxUserTurns, float? temperature = null)
{
    private readonly ChatOptions _jsonAnswer = new() { ResponseFormat = ChatResponseFormat.Json, Temperature = temperature };

    // Plays the scene, or, given the conversation an interrupted run finished (conversed), only ends and judges it. The
    // checkpoint receives a finished conversation before its session ends, so a run interrupted from then on resumes
    // without playing the scene again.
    public async Task<SessionRecord> RunAsync(
        BenchmarkSetting setting,
        BenchmarkPersona persona,
        BenchmarkScene scene,
        IChatClient assistant,
        PersonalizationMode mode,
        SessionRecord? conversed,
        Action<SessionRecord> checkpoint,
        Func<Task> endSession,
        CancellationToken cancellationToken)
    {
        var tally = UsageTally.Begin();
        var (earlierInput, earlierOutput) = (conversed?.InputTokens ?? 0, conversed?.OutputTokens ?? 0);
        var record = conversed ?? await ConverseAsync(setting, persona, scene, assistant, mode, cancellationToken).ConfigureAwait(false);
        if (conversed is null)
        {
            (record.InputTokens, record.OutputTokens) = (tally.InputTokens, tally.OutputTokens);
            checkpoint(record);
        }

        // Ending the session may run the persona optimizer (inline): its tokens count toward this session, and are kept
        // with the conversation so that a run stopped in the judge call still counts them when it resumes.
        var beforeEnd = tally.InputTokens + tally.OutputTokens;
        await endSession().ConfigureAwait(false);
        if (tally.InputTokens + tally.OutputTokens != beforeEnd)
        {
            (record.InputTokens, record.OutputTokens) = (earlierInput + tally.InputTokens, earlierOutput + tally.OutputTokens);
            checkpoint(record);
        }

        var judged = await models.Judge.GetResponseAsync(
            [new ChatMessage(ChatRole.User, BenchmarkPrompts.ResponseJudge(persona, scene, record.Turns[0].Assistant))],
            _jsonAnswer,
            cancellationToken).ConfigureAwait(false);
        var scores = VerdictParser.ParseScores(judged.Text, "helpfulness", "personalization");
        record.Helpfulness = scores.Get("helpfulness");
        record.Personalization = scores.Get("personalization");
        record.JudgeRationale = scores.Rationale;
        record.JudgeError = scores.Error;
        record.InputTokens = earlierInput + tally.InputTokens;
        record.OutputTokens = earlierOutput + tally.OutputTokens;
        return record;
    }

    private async Task<SessionRecord> ConverseAsync(
        BenchmarkSetting setting,
        BenchmarkPersona persona,
        BenchmarkScene scene,
        IChatClient assistant,
        PersonalizationMode mode,
        CancellationToken cancellationToken)
    {
        var record = new SessionRecord
        {
            Setting = setting.Key,
            PersonaId = persona.Id,
            SceneId = scene.Id,
            SceneType = scene.SceneType,
            NeutralizedQuery = scene.NeutralizedQuery,
            PersonalizedQuery = scene.PersonalizedQuery,
        };

        // No conversation id: the whole conversation goes with every request (a service that keeps conversations would
        // read an id as one of its own), and the runner ends each scene's session itself.
        var tools = scene.Apis.Select(a => (AITool)SimulatedToolExecutor.CreateFunction(a.Name, a.Description, a.Parameters)).ToList();
        var options = new ChatOptions { Tools = tools }.WithPersonaUser(persona.Id).WithPersonalization(mode);
        List<ChatMessage> conversation = [new(ChatRole.System, BenchmarkPrompts.AssistantInstructions)];
        List<ChatMessage> userSide = [new(ChatRole.System, BenchmarkPrompts.UserSimulator(persona, scene))];
        var utterance = scene.NeutralizedQuery;
        for (var turn = 1; turn <= maxUserTurns; turn++)
        {
            conversation.Add(new ChatMessage(ChatRole.User, utterance));
            var response = await assistant.GetResponseAsync(conversation, options, cancellationToken).ConfigureAwait(false);
            conversation.AddRange(response.Messages);

            // The user, and the judge after them, see the reply without the thinking a reasoning model may start it with.
            var reply = ReasoningText.WithoutLeading(response.Text);
            userSide.Add(new ChatMessage(ChatRole.User, BenchmarkPrompts.UserTurn(reply)));
            var verdictResponse = await models.UserSimulator.GetResponseAsync(userSide, _jsonAnswer, cancellationToken).ConfigureAwait(false);
            userSide.Add(new ChatMessage(ChatRole.Assistant, verdictResponse.Text));
            var verdict = VerdictParser.ParseUserVerdict(verdictResponse.Text);
            record.MalformedUserVerdicts += verdict.Malformed ? 1 : 0;
            record.Turns.Add(new TurnRecord(utterance, reply, verdict.Satisfied));
            record.Utterances = turn;
            if (verdict.Satisfied)
            {
                record.Satisfied = true;
                break;
            }

            utterance = verdict.Reply ?? scene.PersonalizedQuery;
        }

        return record;
    }
}
