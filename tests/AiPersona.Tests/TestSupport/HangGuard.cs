namespace AiPersona.Tests;

/// <summary>Waits that the behaviour under test should end at once: a guard of a minute makes a broken behaviour fail its
/// test instead of hanging the whole run. Not a speed limit: the awaited work normally ends in milliseconds.</summary>
public static class HangGuard
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    public static Task WithinAMinute(this Task task) => task.WaitAsync(Limit, TestContext.Current.CancellationToken);

    public static Task<T> WithinAMinute<T>(this Task<T> task) => task.WaitAsync(Limit, TestContext.Current.CancellationToken);
}
