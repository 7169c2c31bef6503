using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AiPersona.Evaluation;

/// <summary>Writes a report as a table shaped like the paper's Table 1, as JSON, and as CSV.</summary>
public static class ReportWriter
{
    /// <summary>Formats the summary table.</summary>
    /// <param name="report">The report.</param>
    /// <returns>A fixed-width text table.</returns>
    public static string ToTable(PersonaBenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("| Setting                    | Helpful. | Personal. | Consist. | Detail | Similarity | Utterances | Sessions |");
        text.AppendLine("|----------------------------|---------:|----------:|---------:|-------:|-----------:|-----------:|---------:|");
        foreach (var row in report.Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {row.Setting.Name,-26} | {F(row.Helpfulness),8} | {F(row.Personalization),9} | {F(row.Consistency),8} | {F(row.Detail),6} | {F(row.Similarity),10} | {F(row.Utterances),10} | {row.Sessions,8} |");
            string[] notes =
            [
                .. row.JudgeFailures > 0 ? [$"{row.JudgeFailures} unparsed verdicts"] : Array.Empty<string>(),
                .. row.OptimizerFailures > 0 ? [$"{row.OptimizerFailures} failed persona updates"] : Array.Empty<string>(),
            ];
            text.AppendLine(notes.Length > 0 ? $" ({string.Join("; ", notes)})" : string.Empty);
        }

        return text.ToString();
    }

    /// <summary>Writes <c>report.json</c>, <c>summary.csv</c> and <c>sessions.csv</c> into a directory.</summary>
    /// <param name="report">The report.</param>
    /// <param name="directory">The directory, created if missing.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the files are written.</returns>
    public static async Task WriteFilesAsync(PersonaBenchReport report, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, ResultsFiles.Report), ToJson(report), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, ResultsFiles.SummaryCsv), SummaryCsv(report), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, ResultsFiles.SessionsCsv), SessionsCsv(report), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serializes the whole report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>Indented JSON.</returns>
    public static string ToJson(PersonaBenchReport report)
        => JsonSerializer.Serialize(new ReportDocument(report.Rows, report.Sessions, report.Personas), EvaluationJsonContext.Default.ReportDocument);

    /// <summary>Formats the summary rows as CSV.</summary>
    /// <param name="report">The report.</param>
    /// <returns>CSV text.</returns>
    public static string SummaryCsv(PersonaBenchReport report)
    {
        var csv = new StringBuilder("setting,helpfulness,personalization,consistency,detail,similarity,utterances,sessions,judge_failures,optimizer_failures\n");
        foreach (var r in report.Rows)
        {
            csv.AppendLine(string.Join(",", Csv(r.Setting.Name), N(r.Helpfulness), N(r.Personalization), N(r.Consistency), N(r.Detail), N(r.Similarity), N(r.Utterances), r.Sessions.ToString(CultureInfo.InvariantCulture), r.JudgeFailures.ToString(CultureInfo.InvariantCulture), r.OptimizerFailures.ToString(CultureInfo.InvariantCulture)));
        }

        return csv.ToString();
    }

    /// <summary>Formats every session as CSV.</summary>
    /// <param name="report">The report.</param>
    /// <returns>CSV text.</returns>
    public static string SessionsCsv(PersonaBenchReport report)
    {
        var csv = new StringBuilder("setting,persona,scene,scene_type,neutralized_query,first_response,satisfied,utterances,helpfulness,personalization,judge_error,optimizer_failures,input_tokens,output_tokens\n");
        foreach (var s in report.Sessions)
        {
            csv.AppendLine(string.Join(
                ",",
                Csv(s.Setting),
                Csv(s.PersonaId),
                Csv(s.SceneId),
                Csv(s.SceneType),
                Csv(s.NeutralizedQuery),
                Csv(s.Turns.FirstOrDefault()?.Assistant ?? string.Empty),
                s.Satisfied ? "true" : "false",
                s.Utterances.ToString(CultureInfo.InvariantCulture),
                N(s.Helpfulness),
                N(s.Personalization),
                Csv(s.JudgeError ?? string.Empty),
                s.OptimizerFailures.ToString(CultureInfo.InvariantCulture),
                s.InputTokens.ToString(CultureInfo.InvariantCulture),
                s.OutputTokens.ToString(CultureInfo.InvariantCulture)));
        }

        return csv.ToString();
    }

    private static string F(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "—";

    // A CSV cell: the number as it is (no rounding), or empty where there is none, so spreadsheets and data frames read a
    // missing value rather than text.
    private static string N(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    // Quoted, quotes doubled; line breaks become spaces so that every record is one line. Text that a spreadsheet would
    // take for a formula (a model's reply or a simulated user's query can begin with "=", "+", "-" or "@") gets a leading
    // quote mark, as OWASP advises against CSV injection; sessions.jsonl and report.json keep the exact text.
    private static string Csv(string value)
    {
        var text = value.ReplaceLineEndings(" ");
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t')
        {
            text = "'" + text;
        }

        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
