using Microsoft.Extensions.DependencyInjection;

namespace AiPersona;

internal sealed class AiPersonaBuilder(IServiceCollection services) : IAiPersonaBuilder
{
    public IServiceCollection Services { get; } = services;
}
