namespace AiPersona.Evaluation;

/// <summary>Counts the optimizer calls of one (setting, persona) run that changed nothing because they failed: an
/// exception, a timeout, or output that could not be read. A persona update that fails is retried later and never stops
/// the run, so without this count a model that keeps failing would only show as low persona similarity.</summary>
internal sealed class FailureCountingOptimizer(IPersonaOptimizer inner) : IPersonaOptimizer
{
    private int _failures;

    /// <summary>Gets how many optimizer calls failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public async Task<PersonaOptimizationResult> OptimizeAsync(PersonaOptimizationRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await inner.OptimizeAsync(request, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                Interlocked.Increment(ref _failures);
            }

            return result;
        }
        catch
        {
            // A timeout (AiPersonaOptions.OptimizerTimeout cancels the call) included. A call cancelled because the run was
            // stopped is counted too, but its scene is not recorded, so neither is the count.
            Interlocked.Increment(ref _failures);
            throw;
        }
    }
}
