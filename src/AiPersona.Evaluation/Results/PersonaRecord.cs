namespace AiPersona.Evaluation;

/// <summary>The persona similarity of one persona at the end of a persona-learning run.</summary>
public sealed class PersonaRecord
{
    /// <summary>Gets or sets the setting key.</summary>
    public string Setting { get; set; } = string.Empty;

    /// <summary>Gets or sets the persona id.</summary>
    public string PersonaId { get; set; } = string.Empty;

    /// <summary>Gets or sets how consistent the learned persona is with the golden one (0–10).</summary>
    public double? Consistency { get; set; }

    /// <summary>Gets or sets how much of the golden persona's detail was learned (0–10).</summary>
    public double? Detail { get; set; }

    /// <summary>Gets the mean of consistency and detail.</summary>
    public double? Similarity => Consistency is { } c && Detail is { } d ? (c + d) / 2 : null;

    /// <summary>Gets or sets the learned persona, as <c>section.field: value</c> lines.</summary>
    public string LearnedPersona { get; set; } = string.Empty;

    /// <summary>Gets or sets why the judge's verdict could not be used, if it could not.</summary>
    public string? JudgeError { get; set; }
}
