using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>The default tool executor: invokes the real <see cref="AIFunction"/>.</summary>
internal sealed class FunctionToolExecutor : IToolExecutor
{
    public ValueTask<object?> InvokeAsync(FunctionInvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Function.InvokeAsync(context.Arguments, cancellationToken);
    }
}
