namespace AiPersona.Evaluation;

/// <summary>The results of a benchmark run: one summary row per setting, and every record.</summary>
/// <param name="Rows">The rows, in the order the settings were given.</param>
/// <param name="Sessions">Every session record.</param>
/// <param name="Personas">Every persona-similarity record.</param>
public sealed record PersonaBenchReport(IReadOnlyList<SettingSummary> Rows, IReadOnlyList<SessionRecord> Sessions, IReadOnlyList<PersonaRecord> Personas)
{
    /// <summary>Builds the report from records.</summary>
    /// <param name="settings">The settings, in table order.</param>
    /// <param name="sessions">The session records.</param>
    /// <param name="personas">The persona records.</param>
    /// <returns>The report.</returns>
    public static PersonaBenchReport From(IEnumerable<BenchmarkSetting> settings, IReadOnlyList<SessionRecord> sessions, IReadOnlyList<PersonaRecord> personas)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rows = settings.Select(setting =>
        {
            var mine = sessions.Where(s => s.Setting == setting.Key).ToList();
            var learned = personas.Where(p => p.Setting == setting.Key).ToList();
            return new SettingSummary(
                setting,
                Mean(mine.Select(s => s.Helpfulness)),
                Mean(mine.Select(s => s.Personalization)),
                Mean(learned.Select(p => p.Consistency)),
                Mean(learned.Select(p => p.Detail)),
                Mean(learned.Select(p => p.Similarity)),
                mine.Count == 0 ? null : mine.Average(s => (double)s.Utterances),
                mine.Count,
                mine.Count(s => s.JudgeError is not null) + learned.Count(p => p.JudgeError is not null),
                mine.Sum(s => s.OptimizerFailures));
        }).ToList();
        return new PersonaBenchReport(rows, sessions, personas);
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        var present = values.OfType<double>().ToList();
        return present.Count == 0 ? null : present.Average();
    }
}
