using Microsoft.Extensions.DependencyInjection;

namespace AiPersona;

/// <summary>Configures AiPersona's services further, for example its storage. Returned by <c>AddAiPersona()</c>.</summary>
public interface IAiPersonaBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
