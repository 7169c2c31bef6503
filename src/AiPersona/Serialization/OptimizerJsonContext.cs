using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>Source-generated JSON metadata for the optimizer model's answer, and the JSON schema asked of it. Unlike the
/// stored documents (<see cref="AiPersonaJsonContext"/>), a model's <c>null</c> where a value belongs is read as it comes
/// and left to the edit validator, so one sloppy edit does not void the others (<see cref="OptimizerAnswerReader"/> reads
/// what strays further from the schema).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true, // "Edits" or "Section" from a model must not read as no edits
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(OptimizerResponse))]
internal sealed partial class OptimizerJsonContext : JsonSerializerContext;
