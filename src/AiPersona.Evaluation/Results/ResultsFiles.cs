namespace AiPersona.Evaluation;

/// <summary>The names of what a run writes into its output directory, and how to delete exactly those.</summary>
internal static class ResultsFiles
{
    public const string Manifest = "run.json";
    public const string Sessions = "sessions.jsonl";
    public const string Personas = "personas.jsonl";
    public const string Conversations = "conversations.jsonl";
    public const string Report = "report.json";
    public const string SummaryCsv = "summary.csv";
    public const string SessionsCsv = "sessions.csv";

    /// <summary>The folder of the per-(setting, persona) AiPersona stores: <c>state/&lt;setting key&gt;/&lt;persona id&gt;</c>.</summary>
    public const string State = "state";

    private static readonly string[] Files = [Manifest, Sessions, Personas, Conversations, Report, SummaryCsv, SessionsCsv];

    /// <summary>Deletes the files and state folders a run writes, and the directory itself when that leaves it empty.
    /// Anything else in the directory (an output directory given as <c>.</c>, say) stays.</summary>
    public static void Delete(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Files)
        {
            File.Delete(Path.Combine(directory, file));
        }

        // What a run stopped while replacing run.json may have left (see AtomicFile).
        foreach (var leftover in Directory.EnumerateFiles(directory, $".{Manifest}.*{AtomicFile.TemporarySuffix}"))
        {
            File.Delete(leftover);
        }

        var state = Path.Combine(directory, State);
        if (Directory.Exists(state))
        {
            foreach (var settingFolder in Directory.EnumerateDirectories(state))
            {
                if (BenchmarkSetting.TryParse(Path.GetFileName(settingFolder), out _))
                {
                    Directory.Delete(settingFolder, recursive: true);
                }
            }

            DeleteIfEmpty(state);
        }

        DeleteIfEmpty(directory);
    }

    private static void DeleteIfEmpty(string directory)
    {
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }
}
