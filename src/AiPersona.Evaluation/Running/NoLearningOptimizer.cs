namespace AiPersona.Evaluation;

/// <summary>The optimizer of the settings that must not learn (Golden Persona, Conversation RAG): it never proposes an edit.</summary>
internal sealed class NoLearningOptimizer : IPersonaOptimizer
{
    public Task<PersonaOptimizationResult> OptimizeAsync(PersonaOptimizationRequest request, CancellationToken cancellationToken = default)
        => Task.FromResult(PersonaOptimizationResult.Success([]));
}
