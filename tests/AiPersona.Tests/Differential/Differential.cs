using System.Globalization;

namespace AiPersona.Tests.Differential;

/// <summary>What the differential tests share: the users and the awkward text they play with, and how they print what
/// they compare and where a backend departs from the reference.</summary>
internal static class Differential
{
    /// <summary>Users with ids that storage finds awkward: a path, a non-ASCII name with an emoji, 300 characters.</summary>
    public static readonly string[] Users = ["ana", "../../ben", "chloé 😀", new('d', 300)];

    /// <summary>Endings for text: an emoji, U+0000, half an emoji, SQL quotes, 2,000 characters, white space, non-ASCII.</summary>
    public static readonly string[] AwkwardEndings = [" 😀", " \u0000 nul", " \uD83D half", " it's \"quoted\"; DROP TABLE x; --", " " + new string('w', 2_000), " \t tab\r\n new line", " ü ñ 中文", "   "];

    /// <summary>A user picked at random, the first ones more often.</summary>
    public static string PickUser(Random random) => Users[random.Next(100) switch { < 40 => 0, < 70 => 1, < 90 => 2, _ => 3 }];

    /// <summary>Sometimes an awkward ending, usually none.</summary>
    public static string MaybeAwkward(Random random, int oneIn) => random.Next(oneIn) == 0 ? AwkwardEndings[random.Next(AwkwardEndings.Length)] : string.Empty;

    /// <summary>A time as seconds after <see cref="DifferentialApp.Start"/>: every backend's clock advances alike.</summary>
    public static string Seconds(DateTimeOffset? at)
        => at is not { } value ? "-" : value == DateTimeOffset.MinValue ? "never" : ((long)(value - DifferentialApp.Start).TotalSeconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Text short enough to read in a failure message, with line breaks shown.</summary>
    public static string Escape(string? text)
        => text is null ? "null" : (text.Length > 40 ? $"{text[..20]}…({text.Length} chars, hash {text.GetHashCode(StringComparison.Ordinal)})" : text)
            .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Runs one step on the reference app and on the tested one, and requires the same result from both, then the
    /// same stored data (as <paramref name="describe"/> prints it); returns both, as the reference gave them.</summary>
    public static async Task<(string Result, string State)> StepAsync<TApp>(
        int seed, IReadOnlyList<string> log, TApp reference, TApp tested, Func<TApp, Task<string>> run, Func<TApp, Task<string>> describe)
    {
        var expected = await run(reference);
        var actual = await run(tested);
        Assert.True(expected == actual, Divergence(seed, log, "the result differs", expected, actual));

        var expectedState = await describe(reference);
        var actualState = await describe(tested);
        Assert.True(expectedState == actualState, Divergence(seed, log, "the stored data differ", expectedState, actualState));
        return (expected, expectedState);
    }

    /// <summary>A failure message: the seed and last steps to replay it, and both texts from a little before they differ.</summary>
    public static string Divergence(int seed, IReadOnlyList<string> log, string what, string expected, string actual)
    {
        var shorter = Math.Min(expected.Length, actual.Length);
        var first = Enumerable.Range(0, shorter).FirstOrDefault(i => expected[i] != actual[i], shorter);
        var from = Math.Max(0, first - 150);
        return $"""
            Seed {seed}, step {log.Count}: {what} from the in-memory backend's, from character {first} on ({CodePoint(expected, first)} against {CodePoint(actual, first)}).
            Last steps:
              {string.Join("\n  ", log.TakeLast(8))}
            In-memory: …{Excerpt(expected, from)}
            Tested:    …{Excerpt(actual, from)}
            """;

        static string CodePoint(string text, int index) => index < text.Length ? $"U+{(int)text[index]:X4}" : "the end";

        static string Excerpt(string text, int from) => from >= text.Length ? "(ends)" : text.Substring(from, Math.Min(400, text.Length - from));
    }
}
