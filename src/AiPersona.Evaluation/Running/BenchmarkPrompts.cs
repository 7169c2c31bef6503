using System.Security.Cryptography;
using System.Text;

namespace AiPersona.Evaluation;

/// <summary>The prompts of the simulated user and the judges. Labels are stable so that scripted simulations can read them.</summary>
internal static class BenchmarkPrompts
{
    public const string AssistantInstructions = "You are a helpful personal assistant. Use the available tools when they help, then answer the user directly.";

    public static string UserSimulator(BenchmarkPersona persona, BenchmarkScene scene) => $"""
        You are role-playing a user who is talking to an AI assistant. Stay in character.
        Persona (yours, known only to you):
        {persona.DescribeGoldenPersona()}
        Scene: {scene.Description}
        Context: {scene.Context}
        You already asked: {scene.NeutralizedQuery}
        What you really want: {scene.PersonalizedQuery}
        After each assistant reply, decide whether it meets what you really want, including your personal preferences.
        Answer only with JSON: {"{"}"satisfied": true or false, "reply": "your next short message if not satisfied"{"}"}.
        In a reply, reveal only what the assistant still needs to know.
        """;

    public static string UserTurn(string assistantReply) => $"Assistant reply: {assistantReply}";

    public static string ResponseJudge(BenchmarkPersona persona, BenchmarkScene scene, string response) => $"""
        You evaluate an AI assistant's reply to a user.
        User persona (the user has not stated it in this conversation):
        {persona.DescribeGoldenPersona()}
        Scene: {scene.Description}
        The user asked: {scene.NeutralizedQuery}
        The user's full need: {scene.PersonalizedQuery}
        A good reply: {scene.ExpectedResponse}
        Assistant reply: {response}
        Score from 0 to 10:
        - helpfulness: does the reply address the task usefully (including sensible use of tools)?
        - personalization: does the reply fit this particular user's persona and full need, beyond what the user asked?
        Answer only with JSON: {"{"}"helpfulness": number, "personalization": number, "rationale": "one sentence"{"}"}.
        """;

    public static string PersonaJudge(BenchmarkPersona persona, string learned) => $"""
        You compare a persona an assistant learned about a user with the user's true (golden) persona.
        Golden persona:
        {persona.DescribeGoldenPersona()}
        Learned persona:
        {learned}
        Score from 0 to 10:
        - consistency: are the learned values true of the user (no contradictions, no inventions)?
        - detail: how much of the golden persona's detail did the learned persona capture?
        Answer only with JSON: {"{"}"consistency": number, "detail": number, "rationale": "one sentence"{"}"}.
        """;

    /// <summary>Gets a hash of the prompts above, filled with placeholders, and of the text AiPersona itself sends a model
    /// (the persona as rendered into a request, the persona optimizer's prompt, Conversation RAG's past conversations), for
    /// a fixed example, which <c>run.json</c> records: results produced or judged with other wording (that of another
    /// version of these packages) are not resumed into.</summary>
    public static string Fingerprint { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FingerprintedText())))[..16];

    /// <summary>The text <see cref="Fingerprint"/> hashes.</summary>
    internal static string FingerprintedText()
    {
        var persona = new BenchmarkPersona { GoldenPersona = new() { ["section"] = new() { ["field"] = "value" } } };
        var scene = new BenchmarkScene
        {
            Description = "description",
            Context = "context",
            NeutralizedQuery = "neutralized",
            PersonalizedQuery = "personalized",
            ExpectedResponse = "expected",
        };
        return string.Join('\0', AssistantInstructions, UserSimulator(persona, scene), UserTurn("reply"), ResponseJudge(persona, scene, "reply"), PersonaJudge(persona, "learned"), LibraryText());
    }

    private static string LibraryText()
    {
        var at = DateTimeOffset.UnixEpoch;
        var learned = Persona.CreateEmpty("user").ApplyEdits([PersonaEdit.Set("section", "field", "value", "reason", "session")], at).Updated;
        var session = new ConversationSession("session", "user", null, SessionState.Completed, at, at, at, null, [new SessionMessage("user", "message", at), new SessionMessage("assistant", "reply", at)]);
        var optimizer = OptimizerPrompt.Create(new PersonaOptimizationRequest(learned, PersonaSchema.CreateDefault(), [session]), 24_000, 300);
        return string.Join(
            '\0',
            new PersonaRenderer().Render(learned, PersonaSchema.CreateDefault(), int.MaxValue),
            string.Join('\0', optimizer.Messages.Select(static m => m.Role.Value + ": " + m.Text)),
            ConversationRagChatClient.Context([(at, "user: message")]));
    }
}
