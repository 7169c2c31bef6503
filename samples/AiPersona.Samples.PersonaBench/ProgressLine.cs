using AiPersona.Evaluation;

namespace AiPersona.Samples.PersonaBench;

/// <summary>A one-line progress bar, redrawn in place on a terminal and printed every 10% otherwise.</summary>
internal sealed class ProgressLine : IProgress<BenchmarkProgress>
{
    private readonly Lock _lock = new();
    private int _lastTenth = -1;

    public void Report(BenchmarkProgress value)
    {
        lock (_lock)
        {
            var fraction = value.TotalSessions == 0 ? 1 : (double)value.CompletedSessions / value.TotalSessions;
            var bar = new string('#', (int)(fraction * 30)).PadRight(30, '-');
            var line = $"[{bar}] {value.CompletedSessions}/{value.TotalSessions} sessions  {value.Setting} · {value.PersonaId}";
            if (!Console.IsOutputRedirected)
            {
                Console.Write("\r" + line.PadRight(Math.Max(line.Length, Console.WindowWidth - 1)));
            }
            else if ((int)(fraction * 10) > _lastTenth)
            {
                _lastTenth = (int)(fraction * 10);
                Console.WriteLine(line);
            }
        }
    }
}
