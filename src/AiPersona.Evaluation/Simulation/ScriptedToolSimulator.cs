using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>SIMULATION of the tool executor's model: answers with the API's documented example response.</summary>
internal sealed class ScriptedToolSimulator : ScriptedModel
{
    protected override ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options)
    {
        var example = Field(messages[^1].Text, "Example response:");
        return new ChatMessage(ChatRole.Assistant, example.Length > 0 ? example : """{"status": "ok"}""");
    }
}
