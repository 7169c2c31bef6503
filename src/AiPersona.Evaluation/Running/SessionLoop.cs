using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>Plays one scene: the simulated user opens with the neutralized query, the assistant answers (tools
/// simulated), the user decides whether it is satisfied or follows up, for at most the configured number of user turns.
/// The judge then scores the first response.</summary>
internal sealed class SessionLoop(PersonaBenchModels models, int maxUserTurns)
{
    private static readonly ChatOptions JsonAnswer = new() { ResponseFormat = ChatResponseFormat.Json, Temperature = 0 };

    public async Task<SessionRecord> RunAsync(
        BenchmarkSetting setting,
        BenchmarkPersona persona,
        BenchmarkScene scene,
        IChatClient assistant,
        PersonalizationMode mode,
        Func<Task> endSession,
        CancellationToken cancellationToken)
    {
        var tally = UsageTally.Begin();
        var record = new SessionRecord
        {
            Setting = setting.Key,
            PersonaId = persona.Id,
            SceneId = scene.Id,
            SceneType = scene.SceneType,
            NeutralizedQuery = scene.NeutralizedQuery,
            PersonalizedQuery = scene.PersonalizedQuery,
        };

        var tools = scene.Apis.Select(a => (AITool)SimulatedToolExecutor.CreateFunction(a.Name, a.Description, a.Parameters)).ToList();
        var options = new ChatOptions { ConversationId = scene.Id, Tools = tools }.WithPersonaUser(persona.Id).WithPersonalization(mode);
        List<ChatMessage> conversation = [new(ChatRole.System, BenchmarkPrompts.AssistantInstructions)];
        List<ChatMessage> userSide = [new(ChatRole.System, BenchmarkPrompts.UserSimulator(persona, scene))];
        var utterance = scene.NeutralizedQuery;
        for (var turn = 1; turn <= maxUserTurns; turn++)
        {
            conversation.Add(new ChatMessage(ChatRole.User, utterance));
            var response = await assistant.GetResponseAsync(conversation, options, cancellationToken).ConfigureAwait(false);
            conversation.AddRange(response.Messages);

            userSide.Add(new ChatMessage(ChatRole.User, BenchmarkPrompts.UserTurn(response.Text)));
            var verdictResponse = await models.UserSimulator.GetResponseAsync(userSide, JsonAnswer, cancellationToken).ConfigureAwait(false);
            userSide.Add(new ChatMessage(ChatRole.Assistant, verdictResponse.Text));
            var verdict = VerdictParser.ParseUserVerdict(verdictResponse.Text);
            record.MalformedUserVerdicts += verdict.Malformed ? 1 : 0;
            record.Turns.Add(new TurnRecord(utterance, response.Text, verdict.Satisfied));
            record.Utterances = turn;
            if (verdict.Satisfied)
            {
                record.Satisfied = true;
                break;
            }

            utterance = verdict.Reply ?? scene.PersonalizedQuery;
        }

        // Ending the session may run the persona optimizer (inline): its tokens count toward this session.
        await endSession().ConfigureAwait(false);
        var judged = await models.Judge.GetResponseAsync(
            [new ChatMessage(ChatRole.User, BenchmarkPrompts.ResponseJudge(persona, scene, record.Turns[0].Assistant))],
            JsonAnswer,
            cancellationToken).ConfigureAwait(false);
        var scores = VerdictParser.ParseScores(judged.Text, "helpfulness", "personalization");
        record.Helpfulness = scores.Get("helpfulness");
        record.Personalization = scores.Get("personalization");
        record.JudgeRationale = scores.Rationale;
        record.JudgeError = scores.Error;
        record.InputTokens = tally.InputTokens;
        record.OutputTokens = tally.OutputTokens;
        return record;
    }
}
