using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>A function known only from its documentation; <see cref="SimulatedToolExecutor"/> simulates its results.</summary>
internal sealed class SimulatedFunction(string name, string description, JsonElement parametersSchema) : AIFunction
{
    public override string Name => name;

    public override string Description => description;

    public override JsonElement JsonSchema => parametersSchema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        => throw new InvalidOperationException(
            $"The function '{name}' is simulated and has no implementation; run it through a SimulatedToolExecutor (UseToolExecutor).");
}
