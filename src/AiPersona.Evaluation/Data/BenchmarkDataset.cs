using System.Text.Json;

namespace AiPersona.Evaluation;

/// <summary>A PersonaBench dataset: personas with their scenes.</summary>
public sealed class BenchmarkDataset
{
    /// <summary>Gets or sets the dataset name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the format version.</summary>
    public int Version { get; set; } = 1;

    /// <summary>Gets or sets a description.</summary>
    public string? Description { get; set; }

    /// <summary>Gets the personas.</summary>
    public List<BenchmarkPersona> Personas { get; set; } = [];

    /// <summary>Loads the mini English PersonaBench shipped with this package (20 personas × 10 scenes, written for AiPersona).</summary>
    /// <returns>The dataset.</returns>
    public static BenchmarkDataset LoadMini()
    {
        using var stream = typeof(BenchmarkDataset).Assembly.GetManifestResourceStream("AiPersona.Evaluation.mini-personabench.json")
            ?? throw new InvalidOperationException("The embedded mini PersonaBench is missing from the assembly.");
        return Load(stream);
    }

    /// <summary>Loads a dataset from JSON.</summary>
    /// <param name="json">The stream.</param>
    /// <returns>The dataset.</returns>
    public static BenchmarkDataset Load(Stream json)
        => JsonSerializer.Deserialize(json, EvaluationJsonContext.Default.BenchmarkDataset)
            ?? throw new InvalidDataException("The dataset file is empty.");

    /// <summary>Returns a copy restricted to the first personas and scenes, for quick runs.</summary>
    /// <param name="personas">How many personas to keep, or <see langword="null"/> for all.</param>
    /// <param name="scenesPerPersona">How many scenes per persona to keep, or <see langword="null"/> for all.</param>
    /// <returns>The smaller dataset.</returns>
    public BenchmarkDataset Take(int? personas, int? scenesPerPersona) => new()
    {
        Name = Name,
        Version = Version,
        Description = Description,
        Personas = [.. Personas.Take(personas ?? int.MaxValue).Select(p => new BenchmarkPersona
        {
            Id = p.Id,
            GoldenPersona = p.GoldenPersona,
            Scenes = [.. p.Scenes.Take(scenesPerPersona ?? int.MaxValue)],
        })],
    };
}
