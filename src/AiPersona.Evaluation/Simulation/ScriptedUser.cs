using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>SIMULATION of the user: satisfied when the reply mentions their trait; otherwise reveals the trait.</summary>
internal sealed class ScriptedUser : ScriptedModel
{
    protected override ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options)
    {
        var setup = messages[0].Text;
        var trait = Trait(Field(setup, "What you really want:"), Field(setup, "You already asked:"));
        var reply = messages[^1].Text;
        var satisfied = Overlap(SignificantWords(trait), SignificantWords(reply));
        var turns = messages.Count(m => m.Role == ChatRole.User);
        var followUp = turns == 1 ? trait : "As I said: " + trait;
        var json = satisfied
            ? """{"satisfied": true, "reply": ""}"""
            : "{\"satisfied\": false, \"reply\": " + JsonSerializer.Serialize(followUp, EvaluationJsonContext.Default.String) + "}";
        return new ChatMessage(ChatRole.Assistant, json);
    }
}
