using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace AiPersona.Evaluation;

/// <summary>What an output directory's results were produced with (<c>run.json</c>): the models, the dataset and the
/// protocol. A run that resumes into the directory must match it, so results of two configurations are never mixed in one
/// report.</summary>
/// <param name="Models">The models' description (<see cref="PersonaBenchModels.Description"/>).</param>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="MaxUserTurns">The user turns per session at most.</param>
/// <param name="RagSessions">The past sessions Conversation RAG retrieves.</param>
/// <param name="Temperature">The sampling temperature of the harness's own calls; <see langword="null"/> for none (also
/// what a <c>run.json</c> written before the setting existed reads as).</param>
/// <param name="DatasetContent">The dataset's personas and scenes, counted and hashed (<see cref="DescribeContent"/>), so
/// that a run over more scenes, fewer personas or an edited scene does not resume another's results: a persona learned
/// and judged after two scenes must not be reported beside sessions of three. <see langword="null"/> in a <c>run.json</c>
/// written before it existed, which is then not compared.</param>
/// <param name="Prompts">The simulated user's and the judges' prompts and the text AiPersona sends a model (the rendered
/// persona, the optimizer's prompt, Conversation RAG's context), hashed (<see cref="BenchmarkPrompts.Fingerprint"/>): a
/// package version that words them otherwise does not resume results produced or judged with the earlier wording.
/// <see langword="null"/> in a <c>run.json</c> written before it existed, which is then not compared.</param>
internal sealed record RunManifest(
    string Models,
    string Dataset,
    int MaxUserTurns,
    int RagSessions,
    float? Temperature = null,
    string? DatasetContent = null,
    string? Prompts = null)
{
    /// <summary>Whether a resumed run may add its results to the ones this manifest describes.</summary>
    public bool Admits(RunManifest resumed)
        => this == resumed with
        {
            DatasetContent = DatasetContent is null ? null : resumed.DatasetContent,
            Prompts = Prompts is null ? null : resumed.Prompts,
        };

    /// <summary>Describes what a run is about to produce its results with.</summary>
    public static RunManifest For(PersonaBenchModels models, BenchmarkDataset dataset, PersonaBenchOptions options)
        => new(models.Description, dataset.Name, options.MaxUserTurns, options.RagSessions, options.Temperature, DescribeContent(dataset), BenchmarkPrompts.Fingerprint);

    /// <summary>Says how many personas and scenes a dataset has, with a hash of all of it (as JSON), for example
    /// <c>20 personas, 200 scenes, sha256 1f2e…</c>.</summary>
    public static string DescribeContent(BenchmarkDataset dataset)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(dataset, EvaluationJsonContext.Default.BenchmarkDataset)));
        return $"{Count(dataset.Personas.Count, "persona")}, {Count(dataset.Personas.Sum(p => p.Scenes.Count), "scene")}, sha256 {hash[..16]}";
    }

    private static string Count(int count, string noun)
        => count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}
