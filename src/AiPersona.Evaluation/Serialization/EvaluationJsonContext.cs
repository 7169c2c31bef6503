using System.Text.Json.Serialization;

namespace AiPersona.Evaluation;

/// <summary>Source-generated JSON metadata for the benchmark's data and results.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(BenchmarkDataset))]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(PersonaRecord))]
[JsonSerializable(typeof(ReportDocument))]
[JsonSerializable(typeof(RunManifest))]
[JsonSerializable(typeof(string))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
