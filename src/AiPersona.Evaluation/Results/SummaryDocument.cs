namespace AiPersona.Evaluation;

/// <summary>The JSON shape of one summary row.</summary>
internal sealed record SummaryDocument(
    string Key,
    string Setting,
    double? Helpfulness,
    double? Personalization,
    double? Consistency,
    double? Detail,
    double? Similarity,
    double? Utterances,
    int Sessions,
    int JudgeFailures);
