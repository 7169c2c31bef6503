namespace AiPersona.Evaluation;

/// <summary>One exchange of a benchmark session.</summary>
/// <param name="User">What the simulated user said.</param>
/// <param name="Assistant">What the assistant answered.</param>
/// <param name="Satisfied">The simulated user's verdict on the answer.</param>
public sealed record TurnRecord(string User, string Assistant, bool Satisfied);
