namespace AiPersona.Evaluation;

/// <summary>The JSON shape of a report file.</summary>
internal sealed record ReportDocument(IReadOnlyList<SettingSummary> Summary, IReadOnlyList<SessionRecord> Sessions, IReadOnlyList<PersonaRecord> Personas);
