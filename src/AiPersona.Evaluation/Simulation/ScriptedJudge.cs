using System.Globalization;
using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>SIMULATION of the judge: scores by word overlap with the user's trait (responses) or with the golden persona
/// (persona similarity).</summary>
internal sealed class ScriptedJudge : ScriptedModel
{
    protected override ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options)
    {
        var prompt = messages[^1].Text;
        return new ChatMessage(ChatRole.Assistant, prompt.Contains("Learned persona:", StringComparison.Ordinal) ? JudgePersona(prompt) : JudgeResponse(prompt));
    }

    private static string JudgeResponse(string prompt)
    {
        var trait = SignificantWords(Trait(Field(prompt, "The user's full need:"), Field(prompt, "The user asked:")));
        var reply = Field(prompt, "Assistant reply:");
        var personal = Overlap(trait, SignificantWords(reply));
        var tailored = reply.Contains("Tailored to you", StringComparison.Ordinal) || reply.Contains("past conversations", StringComparison.Ordinal);
        var helpfulness = (reply.Contains("I used", StringComparison.Ordinal) ? 6 : 4) + (personal ? 3 : 0);
        var personalization = personal ? 9 : tailored ? 4 : 1;
        return string.Create(CultureInfo.InvariantCulture, $$"""{"helpfulness": {{helpfulness}}, "personalization": {{personalization}}, "rationale": "simulated: trait {{(personal ? "addressed" : "missed")}}"}""");
    }

    private static string JudgePersona(string prompt)
    {
        var golden = prompt[(prompt.IndexOf("Golden persona:", StringComparison.Ordinal) + 15)..prompt.IndexOf("Learned persona:", StringComparison.Ordinal)];
        var learned = prompt[(prompt.IndexOf("Learned persona:", StringComparison.Ordinal) + 16)..prompt.IndexOf("Score from 0 to 10", StringComparison.Ordinal)];
        var g = SignificantWords(golden);
        var l = SignificantWords(learned);
        var shared = l.Count(x => g.Any(y => string.CompareOrdinal(x, 0, y, 0, 5) == 0));
        var consistency = l.Count == 0 ? 0 : 10.0 * shared / l.Count;
        var detail = g.Count == 0 ? 0 : 10.0 * Math.Min(shared, g.Count) / g.Count;
        return string.Create(CultureInfo.InvariantCulture, $$"""{"consistency": {{consistency:0.0}}, "detail": {{detail:0.0}}, "rationale": "simulated word overlap"}""");
    }
}
