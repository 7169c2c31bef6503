namespace AiPersona.Benchmarks;

/// <summary>Summaries of the runners' repeated measurements.</summary>
internal static class Measurements
{
    /// <summary>The median (the upper one of an even count).</summary>
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
