namespace AiPersona;

/// <summary>What the persona optimizer reads.</summary>
/// <param name="Persona">The current persona.</param>
/// <param name="Schema">The persona schema.</param>
/// <param name="Sessions">The completed sessions the persona has not learned from, oldest first.</param>
public sealed record PersonaOptimizationRequest(Persona Persona, PersonaSchema Schema, IReadOnlyList<ConversationSession> Sessions);
