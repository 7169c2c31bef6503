using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona;

/// <summary>A chat client lent for one call (an optimization, a simulated tool call), with what to release once the call
/// is done: the service scope it was resolved in, or a personalized client's loan of the model it wraps.</summary>
/// <remarks>Resolving in a scope of its own lets an app register its chat clients with any lifetime: a scoped or transient
/// client cannot be resolved from the root provider (ASP.NET Core's scope validation refuses it), and one resolved there
/// would live, undisposed, until the app stops.</remarks>
internal readonly struct ChatClientLoan : IAsyncDisposable
{
    private readonly IAsyncDisposable? _release;

    public ChatClientLoan(IChatClient client, IAsyncDisposable? release = null)
    {
        Client = client;
        _release = release;
    }

    /// <summary>Gets the client to call.</summary>
    public IChatClient Client { get; }

    /// <summary>Resolves a client in a new service scope, which the loan disposes.</summary>
    /// <param name="scopes">The scope factory.</param>
    /// <param name="resolve">Finds the client in the scope's provider; <see langword="null"/> when there is none.</param>
    /// <returns>The loan, or <see langword="null"/> (the scope disposed) when <paramref name="resolve"/> found none.</returns>
    public static async ValueTask<ChatClientLoan?> FromNewScopeAsync(IServiceScopeFactory scopes, Func<IServiceProvider, IChatClient?> resolve)
    {
        var scope = scopes.CreateAsyncScope();
        IChatClient? client;
        try
        {
            client = resolve(scope.ServiceProvider);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (client is null)
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        return new ChatClientLoan(client, scope);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _release?.DisposeAsync() ?? ValueTask.CompletedTask;
}
