using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace AiPersona.RealClients.Tests.WebApp;

/// <summary>The resolver of docs/recipes.md ("The user comes from the signed-in web user"): the user of a chat request is
/// the signed-in user of the web request it is made in.</summary>
public sealed class SignedInUser(IHttpContextAccessor http) : IChatUserResolver
{
    public ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken)
        => ValueTask.FromResult(http.HttpContext?.User.FindFirst(ClaimTypes.NameIdentifier)?.Value);
}
