using AiPersona;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.AI;

/// <summary>Connects an <see cref="IToolExecutor"/> to Microsoft.Extensions.AI's function invocation.</summary>
public static class ToolExecutorChatClientBuilderExtensions
{
    /// <summary>Adds function invocation whose calls run through an <see cref="IToolExecutor"/>.</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="executor">The executor; when <see langword="null"/>, the <see cref="IToolExecutor"/> service is used,
    /// and without one the real functions are invoked.</param>
    /// <param name="configure">Configures the <see cref="FunctionInvokingChatClient"/> further.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseToolExecutor(this ChatClientBuilder builder, IToolExecutor? executor = null, Action<FunctionInvokingChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var client = new FunctionInvokingChatClient(inner, services.GetService<Logging.ILoggerFactory>(), services);
            client.UseToolExecutor(executor ?? services.GetService<IToolExecutor>() ?? new FunctionToolExecutor());
            configure?.Invoke(client);
            return client;
        });
    }

    /// <summary>Routes every function call of a <see cref="FunctionInvokingChatClient"/> through an <see cref="IToolExecutor"/>.</summary>
    /// <param name="client">The function-invoking client.</param>
    /// <param name="executor">The executor.</param>
    /// <returns>The same client.</returns>
    public static FunctionInvokingChatClient UseToolExecutor(this FunctionInvokingChatClient client, IToolExecutor executor)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(executor);
        client.FunctionInvoker = executor.InvokeAsync;
        return client;
    }
}
