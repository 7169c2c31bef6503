namespace AiPersona.Evaluation;

/// <summary>Everything recorded about one benchmark session.</summary>
public sealed class SessionRecord
{
    /// <summary>Gets or sets the setting key.</summary>
    public string Setting { get; set; } = string.Empty;

    /// <summary>Gets or sets the persona id.</summary>
    public string PersonaId { get; set; } = string.Empty;

    /// <summary>Gets or sets the scene id.</summary>
    public string SceneId { get; set; } = string.Empty;

    /// <summary>Gets or sets the scene type.</summary>
    public string SceneType { get; set; } = string.Empty;

    /// <summary>Gets or sets the query the simulated user opened with.</summary>
    public string NeutralizedQuery { get; set; } = string.Empty;

    /// <summary>Gets or sets the user's full need.</summary>
    public string PersonalizedQuery { get; set; } = string.Empty;

    /// <summary>Gets the exchanges.</summary>
    public List<TurnRecord> Turns { get; set; } = [];

    /// <summary>Gets or sets a value indicating whether the user ended satisfied.</summary>
    public bool Satisfied { get; set; }

    /// <summary>Gets or sets how many user utterances the session took (until satisfied, or the cap).</summary>
    public int Utterances { get; set; }

    /// <summary>Gets or sets the judge's helpfulness score of the first response (0–10), when the verdict parsed.</summary>
    public double? Helpfulness { get; set; }

    /// <summary>Gets or sets the judge's personalization score of the first response (0–10), when the verdict parsed.</summary>
    public double? Personalization { get; set; }

    /// <summary>Gets or sets the judge's rationale.</summary>
    public string? JudgeRationale { get; set; }

    /// <summary>Gets or sets why the judge's verdict could not be used, if it could not.</summary>
    public string? JudgeError { get; set; }

    /// <summary>Gets or sets how many of the simulated user's verdicts were malformed (treated as "not satisfied").</summary>
    public int MalformedUserVerdicts { get; set; }

    /// <summary>Gets or sets how many persona updates during the session failed (the optimizer threw, timed out or answered
    /// with output that could not be read); they changed nothing and are retried later. Persona learning only.</summary>
    public int OptimizerFailures { get; set; }

    /// <summary>Gets or sets input tokens of every model call the session made (assistant, tools, user, judge, optimizer).</summary>
    public long InputTokens { get; set; }

    /// <summary>Gets or sets output tokens of every model call the session made.</summary>
    public long OutputTokens { get; set; }
}
