using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>The chat client the default optimizer uses when the app registered none: the client wrapped by the first
/// <see cref="PersonalizedChatClient"/> built from the same service provider.</summary>
/// <remarks>This keeps <c>new PersonalizedChatClient(client, services)</c> and <c>client.AsBuilder().UsePersonalization()</c>
/// working without a DI-registered <see cref="IChatClient"/>. A registered client (keyed or not) always takes precedence.</remarks>
internal sealed class OptimizerClientFallback
{
    private IChatClient? _client;

    /// <summary>Gets the offered client, or <see langword="null"/> when no personalized client was built yet.</summary>
    public IChatClient? Client => Volatile.Read(ref _client);

    /// <summary>Offers a client; the first offer wins until it is withdrawn.</summary>
    /// <param name="client">The client a personalized client wraps.</param>
    public void Offer(IChatClient client) => Interlocked.CompareExchange(ref _client, client, null);

    /// <summary>Withdraws a client that is about to be disposed, so the optimizer never calls a disposed client; the next
    /// personalized client built offers its own.</summary>
    /// <param name="client">The client offered earlier.</param>
    public void Withdraw(IChatClient client) => Interlocked.CompareExchange(ref _client, null, client);
}
