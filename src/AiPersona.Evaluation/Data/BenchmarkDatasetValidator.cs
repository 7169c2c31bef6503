using System.Text.Json;
using System.Text.RegularExpressions;

namespace AiPersona.Evaluation;

/// <summary>Checks a dataset: the four-section schema, unique ids, documented APIs, and neutralized queries that do not
/// state the persona's traits.</summary>
public static partial class BenchmarkDatasetValidator
{
    private static readonly string[] Sections = ["demographics", "personality", "patterns", "preferences"];

    /// <summary>Lists every problem found; empty when the dataset is valid.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <returns>The problems.</returns>
    public static IReadOnlyList<string> Validate(BenchmarkDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var problems = new List<string>();
        var schema = PersonaSchema.CreateDefault();
        var sceneIds = new HashSet<string>(StringComparer.Ordinal);
        // Case-insensitive: a persona id names the folder of its state, and "Ana" and "ana" are one folder on Windows and macOS.
        var personaIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var persona in dataset.Personas)
        {
            var where = $"persona '{persona.Id}'";
            if (string.IsNullOrWhiteSpace(persona.Id) || !personaIds.Add(persona.Id))
            {
                problems.Add($"{where}: missing or duplicate id.");
            }
            else if (!PersonaIdPattern().IsMatch(persona.Id))
            {
                problems.Add($"{where}: the id must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit (it names a folder).");
            }

            foreach (var section in Sections.Where(s => !persona.GoldenPersona.ContainsKey(s)))
            {
                problems.Add($"{where}: the golden persona has no '{section}' section.");
            }

            foreach (var (section, fields) in persona.GoldenPersona)
            {
                foreach (var (field, value) in fields)
                {
                    if (schema.FindField(section, field) is null)
                    {
                        problems.Add($"{where}: '{section}.{field}' is not a field of the paper's schema.");
                    }

                    if (string.IsNullOrWhiteSpace(value))
                    {
                        problems.Add($"{where}: '{section}.{field}' is empty.");
                    }
                }
            }

            if (persona.Scenes.Count == 0)
            {
                problems.Add($"{where}: no scenes.");
            }

            foreach (var scene in persona.Scenes)
            {
                ValidateScene(scene, $"{where}, scene '{scene.Id}'", sceneIds, problems);
            }
        }

        return problems;
    }

    private static void ValidateScene(BenchmarkScene scene, string where, HashSet<string> sceneIds, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(scene.Id) || !sceneIds.Add(scene.Id))
        {
            problems.Add($"{where}: missing or duplicate scene id.");
        }

        foreach (var (name, value) in new[] { ("sceneType", scene.SceneType), ("description", scene.Description), ("context", scene.Context), ("expectedResponse", scene.ExpectedResponse), ("personalizedQuery", scene.PersonalizedQuery), ("neutralizedQuery", scene.NeutralizedQuery) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{where}: '{name}' is empty.");
            }
        }

        if (scene.TraitKeywords.Count == 0)
        {
            problems.Add($"{where}: no trait keywords.");
        }
        else
        {
            if (TraitMatcher.ContainsAny(scene.NeutralizedQuery, scene.TraitKeywords))
            {
                problems.Add($"{where}: the neutralized query states the persona's trait ({string.Join(", ", scene.TraitKeywords)}).");
            }

            if (!TraitMatcher.ContainsAny(scene.PersonalizedQuery, scene.TraitKeywords))
            {
                problems.Add($"{where}: the personalized query does not state the persona's trait.");
            }
        }

        if (scene.Apis.Count == 0)
        {
            problems.Add($"{where}: no APIs.");
        }

        foreach (var api in scene.Apis)
        {
            ValidateApi(api, $"{where}, API '{api.Name}'", problems);
        }
    }

    private static void ValidateApi(BenchmarkApi api, string where, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(api.Name) || string.IsNullOrWhiteSpace(api.Description))
        {
            problems.Add($"{where}: missing name or description.");
        }

        if (api.Parameters.ValueKind != JsonValueKind.Object
            || !api.Parameters.TryGetProperty("properties", out var properties)
            || properties.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{where}: parameters are not a JSON schema object with properties.");
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object
                || !property.Value.TryGetProperty("description", out var description)
                || description.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(description.GetString()))
            {
                problems.Add($"{where}: parameter '{property.Name}' is undocumented.");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex PersonaIdPattern();
}
