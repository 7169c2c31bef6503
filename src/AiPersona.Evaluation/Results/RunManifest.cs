namespace AiPersona.Evaluation;

/// <summary>What an output directory's results were produced with (<c>run.json</c>): the models and the protocol. A run
/// that resumes into the directory must match it, so results of two configurations are never mixed in one report.</summary>
/// <param name="Models">The models' description (<see cref="PersonaBenchModels.Description"/>).</param>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="MaxUserTurns">The user turns per session at most.</param>
/// <param name="RagSessions">The past sessions Conversation RAG retrieves.</param>
/// <param name="Temperature">The sampling temperature of the harness's own calls; <see langword="null"/> for none (also
/// what a <c>run.json</c> written before the setting existed reads as).</param>
internal sealed record RunManifest(string Models, string Dataset, int MaxUserTurns, int RagSessions, float? Temperature = null);
