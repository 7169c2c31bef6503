using Microsoft.Extensions.AI;

namespace AiPersona.Tests.Evaluation;

/// <summary>Passes calls through and keeps every request's messages.</summary>
public sealed class RecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public List<List<ChatMessage>> Requests { get; } = [];

    public List<ChatOptions?> Options { get; } = [];

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Requests)
        {
            Requests.Add(list);
            Options.Add(options);
        }

        return base.GetResponseAsync(list, options, cancellationToken);
    }
}
