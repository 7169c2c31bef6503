using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>Source-generated JSON metadata for every type the library serializes; no reflection-based serialization.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(Persona))]
[JsonSerializable(typeof(PersonaDocument))]
[JsonSerializable(typeof(IReadOnlyList<PersonaRevision>))]
[JsonSerializable(typeof(PersonaRevision))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(ConversationSession))]
[JsonSerializable(typeof(UserDataExport))]
[JsonSerializable(typeof(OptimizerResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class AiPersonaJsonContext : JsonSerializerContext;
