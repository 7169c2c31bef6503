using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>One stored message of a conversation session.</summary>
/// <param name="Role">The role: <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Text">The text; function calls and results are stored as short bracketed summaries.</param>
/// <param name="CreatedAt">When the message was recorded.</param>
public sealed record SessionMessage([property: JsonRequired] string Role, [property: JsonRequired] string Text, [property: JsonRequired] DateTimeOffset CreatedAt);
