using Microsoft.Extensions.AI;

namespace AiPersona.Benchmarks;

/// <summary>A model stand-in that answers every request with the same short reply at no cost, so that a benchmark
/// measures only what the layers above it add.</summary>
internal sealed class FixedReplyChatClient : IChatClient
{
    private static readonly ChatMessage Reply = new(ChatRole.Assistant, "Here is a short, friendly answer to your question.");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(new ChatResponse(Reply));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield return new ChatResponseUpdate(ChatRole.Assistant, Reply.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
