using Microsoft.Extensions.Logging;

namespace AiPersona;

/// <summary>AiPersona's log messages. User ids appear only as hashes; persona values and content only at Trace.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Recorded {AddedMessages} new message(s) in session {SessionId} of user {UserHash}; {PendingSessions} session(s) pending.")]
    public static partial void TurnRecorded(ILogger logger, string userHash, string sessionId, int addedMessages, int pendingSessions);

    [LoggerMessage(2, LogLevel.Debug, "Completed session {SessionId} of user {UserHash} ({Why}).")]
    public static partial void SessionCompleted(ILogger logger, string userHash, string sessionId, string why);

    [LoggerMessage(3, LogLevel.Information, "Persona of user {UserHash} updated to version {Version}: {Applied} edit(s) applied, {Rejected} rejected, from {Sessions} session(s).")]
    public static partial void PersonaUpdated(ILogger logger, string userHash, long version, int applied, int rejected, int sessions);

    [LoggerMessage(4, LogLevel.Warning, "The persona optimizer failed for user {UserHash}; {Sessions} session(s) stay pending for a later attempt. {Error}")]
    public static partial void OptimizerFailed(ILogger logger, string userHash, int sessions, string error);

    [LoggerMessage(5, LogLevel.Warning, "The persona optimizer threw for user {UserHash}; {Sessions} session(s) stay pending for a later attempt.")]
    public static partial void OptimizerThrew(ILogger logger, Exception exception, string userHash, int sessions);

    [LoggerMessage(6, LogLevel.Information, "Rejected an optimizer edit of {Section}.{Field} for user {UserHash}: {Reason}.")]
    public static partial void EditRejected(ILogger logger, string userHash, string section, string field, string reason);

    [LoggerMessage(7, LogLevel.Trace, "Rejected edit value for user {UserId}, {Section}.{Field}: {Value}")]
    public static partial void EditRejectedValue(ILogger logger, string userId, string section, string field, string? value);

    [LoggerMessage(8, LogLevel.Debug, "Persona of user {UserHash} changed concurrently (attempt {Attempt}); re-reading and re-applying.")]
    public static partial void SaveConflict(ILogger logger, string userHash, int attempt);

    [LoggerMessage(9, LogLevel.Warning, "Gave up saving the persona of user {UserHash} after {Attempts} concurrent changes; sessions stay pending.")]
    public static partial void SaveGaveUp(ILogger logger, string userHash, int attempts);

    [LoggerMessage(10, LogLevel.Debug, "The persona optimizer learned nothing new for user {UserHash} from {Sessions} session(s); {Rejected} edit(s) rejected.")]
    public static partial void NothingLearned(ILogger logger, string userHash, int sessions, int rejected);

    [LoggerMessage(11, LogLevel.Trace, "Optimizer reply for user {UserId}: {Reply}")]
    public static partial void OptimizerReply(ILogger logger, string userId, string reply);

    [LoggerMessage(12, LogLevel.Debug, "Simulated tool {ToolName} with the simulation model.")]
    public static partial void ToolSimulated(ILogger logger, string toolName);

    [LoggerMessage(13, LogLevel.Error, "A persona update of user {UserHash} failed; its sessions stay pending for a later attempt.")]
    public static partial void UpdateThrew(ILogger logger, Exception exception, string userHash);

    [LoggerMessage(14, LogLevel.Information, "A persona update of user {UserHash} was cancelled by shutdown; its sessions stay pending.")]
    public static partial void UpdateCancelled(ILogger logger, string userHash);

    [LoggerMessage(15, LogLevel.Error, "Looking for pending persona updates after start-up failed.")]
    public static partial void RecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(16, LogLevel.Error, "Recording a chat turn of user {UserHash} failed; the response is returned, but the turn is not stored.")]
    public static partial void RecordFailed(ILogger logger, Exception exception, string userHash);

    [LoggerMessage(17, LogLevel.Debug, "Deleted {Count} learned session transcript(s) of user {UserHash} past their retention.")]
    public static partial void SessionsPruned(ILogger logger, string userHash, int count);

    [LoggerMessage(18, LogLevel.Warning, "Deleting expired session transcripts of user {UserHash} failed; they are tried again after the next update.")]
    public static partial void PruneFailed(ILogger logger, Exception exception, string userHash);

    [LoggerMessage(19, LogLevel.Error, "Applying session boundaries before a chat turn of user {UserHash} failed; the request is sent anyway.")]
    public static partial void BeginTurnFailed(ILogger logger, Exception exception, string userHash);

    [LoggerMessage(20, LogLevel.Error, "Loading the persona of user {UserHash} failed; the request is sent without it.")]
    public static partial void PersonaLoadFailed(ILogger logger, Exception exception, string userHash);

    [LoggerMessage(21, LogLevel.Debug, "The response stream of user {UserHash} ended before it completed (failed, cancelled or abandoned by the caller); the turn is not recorded.")]
    public static partial void StreamNotRecorded(ILogger logger, string userHash);

    [LoggerMessage(22, LogLevel.Warning, "An update of user {UserHash} still held the update lock after {Waited}; the data is deleted anyway, and that update may still save a persona learned from it.")]
    public static partial void ForgetWithoutLock(ILogger logger, string userHash, TimeSpan waited);

    [LoggerMessage(23, LogLevel.Warning, "The persona of user {UserHash} was already learned from {Sessions} session(s) still pending (an update saved it but did not mark them learned, or the application cited them); they are marked learned now, not learned again.")]
    public static partial void CitedSessionsMarkedLearned(ILogger logger, string userHash, int sessions);

    [LoggerMessage(24, LogLevel.Error, "Sessions of user {UserHash} were still pending after they were marked learned; the user's updates pause for the retry delay. Check that the ISessionStore's MarkLearnedAsync changes their state.")]
    public static partial void SessionsStillPending(ILogger logger, string userHash);

    [LoggerMessage(25, LogLevel.Information, "Deleted session {SessionId} of user {UserHash} at the application's request.")]
    public static partial void SessionDeleted(ILogger logger, string userHash, string sessionId);

    [LoggerMessage(26, LogLevel.Warning, "{What} are kept in memory and lost when the process exits. To keep them, call UseFileSystemStorage, UseSqlite or UsePostgreSql on AddAiPersona(); to keep them in memory on purpose, register {Store} yourself.")]
    public static partial void InMemoryStorage(ILogger logger, string what, string store);

    [LoggerMessage(27, LogLevel.Debug, "A chat request named no user (ChatOptions.WithPersonaUser, or a registered IChatUserResolver): it is sent as it is, without a persona, and not recorded.")]
    public static partial void NoUser(ILogger logger);

    [LoggerMessage(28, LogLevel.Information, "Deleted everything stored about user {UserHash} at the application's request.")]
    public static partial void UserForgotten(ILogger logger, string userHash);

    [LoggerMessage(29, LogLevel.Information, "Deleted field {Section}.{Field} and its history from the persona of user {UserHash} at the application's request.")]
    public static partial void FieldForgotten(ILogger logger, string userHash, string section, string field);

    [LoggerMessage(30, LogLevel.Information, "Exported the data of user {UserHash}: persona version {Version}, {Revisions} revision(s), {Sessions} session(s).")]
    public static partial void UserDataExported(ILogger logger, string userHash, long version, int revisions, int sessions);

    [LoggerMessage(31, LogLevel.Debug, "A resumed response stream of user {UserHash} (ChatOptions.ContinuationToken) is not recorded: it carries only the part of the reply after the interruption.")]
    public static partial void ResumedStreamNotRecorded(ILogger logger, string userHash);
}
