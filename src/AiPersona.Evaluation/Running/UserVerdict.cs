namespace AiPersona.Evaluation;

/// <summary>The simulated user's reaction to an assistant reply.</summary>
/// <param name="Satisfied">Whether the reply meets the user's need.</param>
/// <param name="Reply">The user's follow-up when not satisfied.</param>
/// <param name="Malformed">Whether the simulator's answer was not the requested JSON (then read as "not satisfied").</param>
public sealed record UserVerdict(bool Satisfied, string? Reply, bool Malformed);
