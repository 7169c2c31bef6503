using System.Diagnostics.Metrics;

namespace AiPersona;

/// <summary>The instruments of the <c>AiPersona</c> meter.</summary>
internal sealed class PersonaMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private Func<int>? _running;
    private Func<int>? _queued;

    public PersonaMetrics(IMeterFactory? meterFactory)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(AiPersonaTelemetry.SourceName);
        }
        else
        {
            meter = meterFactory.Create(AiPersonaTelemetry.SourceName);
        }

        UpdatesApplied = meter.CreateCounter<long>(AiPersonaTelemetry.UpdatesAppliedCounter, "{update}", "Persona updates saved.");
        EditsRejected = meter.CreateCounter<long>(AiPersonaTelemetry.EditsRejectedCounter, "{edit}", "Optimizer edits rejected by validation.");
        OptimizerFailures = meter.CreateCounter<long>(AiPersonaTelemetry.OptimizerFailuresCounter, "{failure}", "Optimizer runs that failed or returned malformed output.");
        OptimizerDuration = meter.CreateHistogram<double>(AiPersonaTelemetry.OptimizerDurationHistogram, "s", "Duration of optimizer runs.");
        UpdatesRunning = meter.CreateObservableUpDownCounter(
            AiPersonaTelemetry.UpdatesRunningGauge, () => _running?.Invoke() ?? 0, "{update}", "Background persona updates running now.");
        UpdatesQueued = meter.CreateObservableUpDownCounter(
            AiPersonaTelemetry.UpdatesQueuedGauge, () => _queued?.Invoke() ?? 0, "{update}", "Background persona updates waiting for a slot (AiPersonaOptions.MaxConcurrentUpdates).");
    }

    public Counter<long> UpdatesApplied { get; }

    public Counter<long> EditsRejected { get; }

    public Counter<long> OptimizerFailures { get; }

    public Histogram<double> OptimizerDuration { get; }

    public ObservableUpDownCounter<int> UpdatesRunning { get; }

    public ObservableUpDownCounter<int> UpdatesQueued { get; }

    /// <summary>Reports the background scheduler's running and queued updates through <see cref="UpdatesRunning"/> and
    /// <see cref="UpdatesQueued"/>.</summary>
    public void ObserveScheduler(Func<int> running, Func<int> queued)
    {
        _running = running;
        _queued = queued;
    }

    public void Dispose() => _ownedMeter?.Dispose();
}
