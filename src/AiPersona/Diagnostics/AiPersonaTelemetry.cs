using System.Diagnostics;

namespace AiPersona;

/// <summary>Names of AiPersona's activity source, meter and instruments, in one place.</summary>
internal static class AiPersonaTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and the <c>Meter</c>.</summary>
    public const string SourceName = "AiPersona";

    public const string ChatActivity = "aipersona.chat";
    public const string UpdateActivity = "aipersona.persona.update";
    public const string OptimizeActivity = "aipersona.persona.optimize";

    public const string UpdatesAppliedCounter = "aipersona.updates.applied";
    public const string EditsRejectedCounter = "aipersona.edits.rejected";
    public const string OptimizerFailuresCounter = "aipersona.optimizer.failures";
    public const string OptimizerDurationHistogram = "aipersona.optimizer.duration";
    public const string UpdatesRunningGauge = "aipersona.updates.running";
    public const string UpdatesQueuedGauge = "aipersona.updates.queued";

    public const string UserTag = "aipersona.user.hash";
    public const string SessionCountTag = "aipersona.sessions.count";
    public const string PersonaSentTag = "aipersona.persona.sent";
    public const string RecordedTag = "aipersona.turn.recorded";
    public const string PendingSessionsTag = "aipersona.sessions.pending";

    public static ActivitySource ActivitySource { get; } = new(SourceName);
}
