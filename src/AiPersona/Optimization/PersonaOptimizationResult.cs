namespace AiPersona;

/// <summary>What the persona optimizer proposes.</summary>
/// <param name="Succeeded">Whether the optimizer produced a usable answer.</param>
/// <param name="Edits">The proposed edits; empty when nothing should change or when the optimizer failed.</param>
/// <param name="Error">Why the optimizer failed; <see langword="null"/> on success.</param>
public sealed record PersonaOptimizationResult(bool Succeeded, IReadOnlyList<PersonaEdit> Edits, string? Error = null)
{
    /// <summary>Creates a successful result.</summary>
    /// <param name="edits">The proposed edits.</param>
    /// <returns>The result.</returns>
    public static PersonaOptimizationResult Success(IReadOnlyList<PersonaEdit> edits) => new(true, edits);

    /// <summary>Creates a failed result; nothing changes and the sessions stay pending.</summary>
    /// <param name="error">Why the optimizer failed.</param>
    /// <returns>The result.</returns>
    public static PersonaOptimizationResult Failure(string error) => new(false, [], error);
}
