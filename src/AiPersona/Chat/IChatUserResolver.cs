using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>Finds the user of a chat request when the app keeps identity elsewhere, for example the signed-in user of
/// the current web request. Used when the request's <see cref="ChatOptions"/> name no user.</summary>
public interface IChatUserResolver
{
    /// <summary>Gets the id of the user the request is for.</summary>
    /// <param name="options">The request's options, if any.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user id, or <see langword="null"/> when the request has no user.</returns>
    ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken);
}
