namespace AiPersona;

/// <summary>Marks calls that AiPersona itself makes (optimizer, tool simulation) so that a personalized client they may
/// go through passes them on untouched, whatever user the app's resolver would report.</summary>
internal static class PersonalizationSuppression
{
    private static readonly AsyncLocal<bool> Suppressed = new();

    public static bool IsActive => Suppressed.Value;

    public static Scope Enter()
    {
        var previous = Suppressed.Value;
        Suppressed.Value = true;
        return new Scope(previous);
    }

    public readonly struct Scope(bool previous) : IDisposable
    {
        public void Dispose() => Suppressed.Value = previous;
    }
}
