using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>Source-generated JSON metadata for every type the library stores or exports; no reflection-based
/// serialization. Stored documents are read strictly: a <c>null</c> where a type holds no null (a hand edit of a file
/// or a row) fails as damaged data instead of surfacing later as a <see cref="NullReferenceException"/>, and so does a
/// property left out that has no default (<see cref="JsonRequiredAttribute"/> on the stored types), which would
/// otherwise be read as its default: a persona of version 0, a session in the open state. The optimizer model's answers
/// are read leniently, with <see cref="OptimizerJsonContext"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(Persona))]
[JsonSerializable(typeof(PersonaDocument))]
[JsonSerializable(typeof(IReadOnlyList<PersonaRevision>))]
[JsonSerializable(typeof(PersonaRevision))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(ConversationSession))]
[JsonSerializable(typeof(UserDataExport))]
[JsonSerializable(typeof(string))]
internal sealed partial class AiPersonaJsonContext : JsonSerializerContext;
