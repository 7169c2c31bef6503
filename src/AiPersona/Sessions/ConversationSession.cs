using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>One stored conversation session of one user.</summary>
/// <param name="Id">The session id, unique per user.</param>
/// <param name="UserId">The user.</param>
/// <param name="ConversationId">The application's conversation id, when it gave one.</param>
/// <param name="State">Open, completed (pending for the optimizer) or learned.</param>
/// <param name="StartedAt">When the first message was recorded.</param>
/// <param name="LastActivityAt">When the last message was recorded.</param>
/// <param name="EndedAt">When the session ended; <see langword="null"/> while open.</param>
/// <param name="LearnedAt">When the persona learned from the session; <see langword="null"/> until then.</param>
/// <param name="Messages">The messages, oldest first, each stored once.</param>
public sealed record ConversationSession(
    [property: JsonRequired] string Id,
    [property: JsonRequired] string UserId,
    string? ConversationId,
    [property: JsonRequired] SessionState State,
    [property: JsonRequired] DateTimeOffset StartedAt,
    [property: JsonRequired] DateTimeOffset LastActivityAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? LearnedAt,
    [property: JsonRequired] IReadOnlyList<SessionMessage> Messages);
