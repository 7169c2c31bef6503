using System.Text.Json;

namespace AiPersona.Evaluation;

/// <summary>An API available in a scene, known only from its documentation; the simulated tool executor plays it.</summary>
public sealed class BenchmarkApi
{
    /// <summary>Gets or sets the function name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets what the API does and returns.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets or sets the JSON schema of the parameters; every property carries a description.</summary>
    public JsonElement Parameters { get; set; }

    /// <summary>Gets or sets an example response, given to the tool simulator as documentation.</summary>
    public string? ResponseExample { get; set; }
}
