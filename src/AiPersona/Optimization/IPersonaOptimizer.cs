namespace AiPersona;

/// <summary>The persona optimizer: reads pending sessions and the current persona and proposes field-level edits.</summary>
/// <remarks>
/// An optimizer only proposes; the persona updater validates the edits against the schema's policies before anything
/// is saved. An optimizer reports malformed model output as a failed result rather than throwing.
/// </remarks>
public interface IPersonaOptimizer
{
    /// <summary>Proposes edits to the persona, each with a reason and the sessions that support it.</summary>
    /// <param name="request">The persona, schema and sessions.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The proposed edits, or a failure.</returns>
    Task<PersonaOptimizationResult> OptimizeAsync(PersonaOptimizationRequest request, CancellationToken cancellationToken = default);
}
