using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>The file-system store's one JSON document per user: the persona and its history.</summary>
/// <param name="UserId">The user id, checked on every read.</param>
/// <param name="Persona">The persona.</param>
/// <param name="History">Every revision, oldest first.</param>
internal sealed record PersonaDocument([property: JsonRequired] string UserId, [property: JsonRequired] Persona Persona, [property: JsonRequired] IReadOnlyList<PersonaRevision> History);
