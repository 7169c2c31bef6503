namespace AiPersona.Evaluation;

/// <summary>Progress of a run.</summary>
/// <param name="CompletedSessions">Sessions finished, including those found from an earlier interrupted run.</param>
/// <param name="TotalSessions">Sessions in the run.</param>
/// <param name="Setting">The setting of the session that just finished.</param>
/// <param name="PersonaId">Its persona.</param>
/// <param name="SceneId">Its scene.</param>
public sealed record BenchmarkProgress(int CompletedSessions, int TotalSessions, string Setting, string PersonaId, string SceneId);
