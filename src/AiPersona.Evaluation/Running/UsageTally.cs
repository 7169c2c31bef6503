namespace AiPersona.Evaluation;

/// <summary>Counts the tokens of every model call made within a scope (one benchmark session), across all roles.</summary>
internal sealed class UsageTally
{
    private static readonly AsyncLocal<UsageTally?> CurrentTally = new();
    private long _input;
    private long _output;

    public static UsageTally? Current => CurrentTally.Value;

    public long InputTokens => Interlocked.Read(ref _input);

    public long OutputTokens => Interlocked.Read(ref _output);

    public static UsageTally Begin()
    {
        var tally = new UsageTally();
        CurrentTally.Value = tally;
        return tally;
    }

    public void Add(Microsoft.Extensions.AI.UsageDetails? usage)
    {
        if (usage is null)
        {
            return;
        }

        Interlocked.Add(ref _input, usage.InputTokenCount ?? 0);
        Interlocked.Add(ref _output, usage.OutputTokenCount ?? 0);
    }
}
