namespace AiPersona.Evaluation;

/// <summary>One row of the results table, shaped like the paper's Table 1.</summary>
/// <param name="Setting">The setting.</param>
/// <param name="Helpfulness">Mean helpfulness of first responses (0–10).</param>
/// <param name="Personalization">Mean personalization of first responses (0–10).</param>
/// <param name="Consistency">Mean persona consistency (persona learning only).</param>
/// <param name="Detail">Mean persona detail (persona learning only).</param>
/// <param name="Similarity">Mean of consistency and detail.</param>
/// <param name="Utterances">Mean user utterances per session.</param>
/// <param name="Sessions">How many sessions the row covers.</param>
/// <param name="JudgeFailures">How many judge verdicts could not be parsed (left out of the means).</param>
/// <param name="OptimizerFailures">How many persona updates failed (persona learning; each is retried later, but many
/// mean the optimizer model is not doing its job and persona similarity understates the method).</param>
public sealed record SettingSummary(
    BenchmarkSetting Setting,
    double? Helpfulness,
    double? Personalization,
    double? Consistency,
    double? Detail,
    double? Similarity,
    double? Utterances,
    int Sessions,
    int JudgeFailures,
    int OptimizerFailures = 0);
