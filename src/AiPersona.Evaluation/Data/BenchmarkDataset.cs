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
    /// <returns>The dataset, not yet checked: <see cref="BenchmarkDatasetValidator.Validate"/> lists its problems.</returns>
    /// <exception cref="JsonException">The stream holds no JSON of a dataset's shape, or a null where a dataset has text or a
    /// list.</exception>
    /// <exception cref="InvalidDataException">The JSON is <c>null</c>, or one of its lists or golden persona sections holds a
    /// null; the message names the place.</exception>
    public static BenchmarkDataset Load(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var dataset = JsonSerializer.Deserialize(json, EvaluationJsonContext.Default.BenchmarkDataset)
            ?? throw new InvalidDataException("The dataset file is empty (JSON null).");
        ThrowIfHoldsNull(dataset);
        return dataset;
    }

    // The JSON context refuses a null property; a null inside a list or dictionary would only fail later, far from its cause.
    private static void ThrowIfHoldsNull(BenchmarkDataset dataset)
    {
        for (var p = 0; p < dataset.Personas.Count; p++)
        {
            var persona = dataset.Personas[p] ?? throw new InvalidDataException($"persona {p + 1} of the dataset is null.");
            var where = $"persona '{persona.Id}'";
            foreach (var (section, fields) in persona.GoldenPersona)
            {
                _ = fields ?? throw new InvalidDataException($"{where}: the golden persona's '{section}' section is null.");
                foreach (var (field, value) in fields)
                {
                    _ = value ?? throw new InvalidDataException($"{where}: the golden persona's '{section}.{field}' is null.");
                }
            }

            for (var s = 0; s < persona.Scenes.Count; s++)
            {
                var scene = persona.Scenes[s] ?? throw new InvalidDataException($"{where}: scene {s + 1} is null.");
                var sceneWhere = $"{where}, scene '{scene.Id}'";
                for (var a = 0; a < scene.Apis.Count; a++)
                {
                    _ = scene.Apis[a] ?? throw new InvalidDataException($"{sceneWhere}: API {a + 1} is null.");
                }

                for (var k = 0; k < scene.TraitKeywords.Count; k++)
                {
                    _ = scene.TraitKeywords[k] ?? throw new InvalidDataException($"{sceneWhere}: trait keyword {k + 1} is null.");
                }
            }
        }
    }

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
