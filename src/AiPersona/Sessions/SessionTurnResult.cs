namespace AiPersona;

/// <summary>What recording one chat turn did.</summary>
/// <param name="SessionId">The session the turn was recorded in.</param>
/// <param name="AddedMessageCount">How many messages were new; resent ones are not stored again.</param>
/// <param name="PendingSessionCount">How many completed sessions of the user wait to be learned from.</param>
public sealed record SessionTurnResult(string SessionId, int AddedMessageCount, int PendingSessionCount);
