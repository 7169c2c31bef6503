using System.Diagnostics.Metrics;

namespace AiPersona;

/// <summary>The instruments of the <c>AiPersona</c> meter.</summary>
internal sealed class PersonaMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;

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
    }

    public Counter<long> UpdatesApplied { get; }

    public Counter<long> EditsRejected { get; }

    public Counter<long> OptimizerFailures { get; }

    public Histogram<double> OptimizerDuration { get; }

    public void Dispose() => _ownedMeter?.Dispose();
}
