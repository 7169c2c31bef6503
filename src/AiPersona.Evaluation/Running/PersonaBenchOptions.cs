namespace AiPersona.Evaluation;

/// <summary>Options of a benchmark run.</summary>
public sealed class PersonaBenchOptions
{
    /// <summary>Gets or sets the directory for results and per-run state. A run started again with the same directory
    /// resumes where it stopped. <see langword="null"/> keeps everything in memory (no resume).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? OutputDirectory { get; set; }

    /// <summary>Gets or sets the most user utterances per session.</summary>
    /// <value>Defaults to 3, as in the paper.</value>
    public int MaxUserTurns { get; set; } = 3;

    /// <summary>Gets or sets how many past sessions Conversation RAG retrieves.</summary>
    /// <value>Defaults to 3.</value>
    public int RagSessions { get; set; } = 3;

    /// <summary>Gets or sets how long one persona-optimizer call may take before it is cancelled (the update fails, is
    /// counted in <see cref="SettingSummary.OptimizerFailures"/>, and is retried later).</summary>
    /// <value>Defaults to 10 minutes, longer than the library's 2: a local model may take minutes over the prompt. Must be
    /// positive and at most one day, or <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    public TimeSpan OptimizerTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the sampling temperature of the calls the harness makes with options of its own: the simulated
    /// user's, the judges' and the persona optimizer's (the assistant's requests carry none, as a user's would not). It is
    /// part of a run's identity in <c>run.json</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: none is sent, so each model uses its default. Reasoning models (OpenAI's
    /// o-series and GPT-5 family, for example) refuse any other; with models that take it, 0 makes judges' scores more
    /// repeatable. When set, must be between 0 and 2.</value>
    public float? Temperature { get; set; }

    /// <summary>Gets or sets how many (setting, persona) runs go on at once.</summary>
    /// <value>Defaults to 1. Raise it for local models or generous rate limits.</value>
    public int MaxParallelism { get; set; } = 1;
}
