using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>Adds each response's token usage to the current <see cref="UsageTally"/>.</summary>
internal sealed class UsageCountingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        UsageTally.Current?.Add(response.Usage);
        return response;
    }
}
