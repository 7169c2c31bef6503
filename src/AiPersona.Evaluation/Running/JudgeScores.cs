namespace AiPersona.Evaluation;

/// <summary>Scores parsed from a judge's answer.</summary>
/// <param name="Scores">The scores by name, each 0–10; empty when parsing failed.</param>
/// <param name="Rationale">The judge's rationale, if given.</param>
/// <param name="Error">Why the answer could not be used; <see langword="null"/> when every score parsed.</param>
public sealed record JudgeScores(IReadOnlyDictionary<string, double> Scores, string? Rationale, string? Error)
{
    /// <summary>Gets a score, or <see langword="null"/> when the answer was unusable.</summary>
    /// <param name="name">The score name.</param>
    /// <returns>The score.</returns>
    public double? Get(string name) => Error is null && Scores.TryGetValue(name, out var value) ? value : null;
}
