using Microsoft.Extensions.AI;

namespace AiPersona.Tests;

/// <summary>A fake chat client whose behaviour is set per test through callbacks.</summary>
public sealed class TestChatClient : IChatClient
{
    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? GetResponseAsyncCallback { get; set; }

    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? GetStreamingResponseAsyncCallback { get; set; }

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public static TestChatClient Replying(Func<IList<ChatMessage>, string> reply) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(messages)))),
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls)
        {
            Calls.Add((list, options));
        }

        return GetResponseAsyncCallback!(list, options, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls)
        {
            Calls.Add((list, options));
        }

        return GetStreamingResponseAsyncCallback!(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <summary>Gets whether the client was disposed.</summary>
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}
