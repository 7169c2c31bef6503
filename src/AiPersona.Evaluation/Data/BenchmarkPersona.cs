namespace AiPersona.Evaluation;

/// <summary>A benchmark user: a hidden golden persona in the paper's four-section schema and the scenes they live through.</summary>
public sealed class BenchmarkPersona
{
    /// <summary>Gets or sets the persona id.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets the golden persona: sections → fields → values.</summary>
    public Dictionary<string, Dictionary<string, string>> GoldenPersona { get; set; } = [];

    /// <summary>Gets the scenes, in the order the user meets them.</summary>
    public List<BenchmarkScene> Scenes { get; set; } = [];

    /// <summary>Renders the golden persona as <c>section.field: value</c> lines.</summary>
    /// <returns>The text.</returns>
    public string DescribeGoldenPersona()
        => string.Join("\n", GoldenPersona.SelectMany(s => s.Value.Select(f => $"{s.Key}.{f.Key}: {f.Value}")));
}
