using AiPersona;

namespace Microsoft.Extensions.AI;

/// <summary>Adds a <see cref="PersonalizedChatClient"/> to a chat client pipeline.</summary>
public static class PersonalizationChatClientBuilderExtensions
{
    /// <summary>Adds persona injection and learning as the next stage of the pipeline. Requires <c>services.AddAiPersona()</c>.</summary>
    /// <remarks>Stages added before this one wrap it. Add function invocation (<c>UseToolExecutor</c> or
    /// <c>UseFunctionInvocation</c>) after it, so each user turn, tool calls included, is recorded once. Add a chat reducer
    /// (<c>UseChatReducer</c>) before it: Microsoft.Extensions.AI's reducers keep only the first system message, so one
    /// added after it drops the persona whenever the app sends a system prompt of its own.</remarks>
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
