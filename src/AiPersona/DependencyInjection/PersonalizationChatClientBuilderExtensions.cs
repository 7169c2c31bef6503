using AiPersona;

namespace Microsoft.Extensions.AI;

/// <summary>Adds a <see cref="PersonalizedChatClient"/> to a chat client pipeline.</summary>
public static class PersonalizationChatClientBuilderExtensions
{
    /// <summary>Adds persona injection and learning as the next stage of the pipeline. Requires <c>services.AddAiPersona()</c>.</summary>
    /// <remarks>Stages added before this one wrap it. Add function invocation (<c>UseToolExecutor</c> or
    /// <c>UseFunctionInvocation</c>) after it, so each user turn, tool calls included, is recorded once.</remarks>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the client further.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UsePersonalization(this ChatClientBuilder builder, Action<PersonalizedChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var client = new PersonalizedChatClient(inner, services);
            configure?.Invoke(client);
            return client;
        });
    }
}
