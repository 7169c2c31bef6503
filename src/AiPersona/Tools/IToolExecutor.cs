using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>Runs the function calls an assistant makes. Plugs into <see cref="FunctionInvokingChatClient.FunctionInvoker"/>,
/// so Microsoft.Extensions.AI's own tool loop stays in charge.</summary>
/// <remarks>Two implementations ship: the default runs the real <see cref="AIFunction"/>; <see cref="SimulatedToolExecutor"/>
/// asks a model to simulate the result from the function's documentation, for benchmarks and dry runs.</remarks>
public interface IToolExecutor
{
    /// <summary>Runs one function call.</summary>
    /// <param name="context">The invocation context: function, arguments, call and conversation.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The function's result, sent back to the model.</returns>
    ValueTask<object?> InvokeAsync(FunctionInvocationContext context, CancellationToken cancellationToken);
}
