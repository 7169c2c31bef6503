using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Checks at start-up that the services AiPersona keeps for the app's lifetime are registered as singletons.
/// The session manager, the persona cache and the background updates hold the stores, the optimizer and the rest from the
/// root provider and use them outside any request: a scoped registration fails there under scope validation ("cannot
/// resolve scoped service from root provider", which does not say why) and, without it, is silently captured, one
/// instance shared by every request and update (an EF Core <c>DbContext</c> used concurrently).</summary>
internal sealed class ServiceLifetimeValidator(IServiceCollection services) : IValidateOptions<AiPersonaOptions>
{
    private static readonly Type[] Singletons =
    [
        typeof(IPersonaStore), typeof(ISessionStore), typeof(ISessionManager), typeof(IPersonaOptimizer), typeof(IPersonaUpdateLock),
        typeof(IPersonaRenderer), typeof(ITokenCounter), typeof(TimeProvider),
    ];

    public ValidateOptionsResult Validate(string? name, AiPersonaOptions options)
    {
        // The registration the provider resolves is the last one of each service.
        var wrong = Singletons
            .Select(type => services.LastOrDefault(d => d.ServiceType == type && !d.IsKeyedService))
            .Where(d => d is not null && d.Lifetime != ServiceLifetime.Singleton)
            .Select(d => $"{d!.ServiceType.Name} is registered as {d.Lifetime}")
            .ToList();
        return wrong.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{string.Join("; ", wrong)}. AiPersona keeps these services for the app's lifetime and uses them outside any request " +
                "(background persona updates), so register them as singletons. A store over a scoped resource, such as an EF Core " +
                "DbContext, creates one per call instead (from IDbContextFactory<T>).");
    }
}
