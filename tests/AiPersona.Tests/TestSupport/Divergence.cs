namespace AiPersona.Tests;

/// <summary>Describes where a backend under test first departs from the reference backend, for the differential tests.</summary>
public static class Divergence
{
    /// <summary>A failure message: the seed and last steps to replay it, and both texts from a little before they differ.</summary>
    public static string Describe(int seed, IReadOnlyList<string> log, string what, string expected, string actual)
    {
        var shorter = Math.Min(expected.Length, actual.Length);
        var first = Enumerable.Range(0, shorter).FirstOrDefault(i => expected[i] != actual[i], shorter);
        var from = Math.Max(0, first - 150);
        var characters = $"{CodePoint(expected, first)} against {CodePoint(actual, first)}";
        return $"""
            Seed {seed}, step {log.Count}: {what} from the in-memory backend's, from character {first} on ({characters}).
            Last steps:
              {string.Join("\n  ", log.TakeLast(8))}
            In-memory: …{Excerpt(expected, from)}
            Tested:    …{Excerpt(actual, from)}
            """;

        static string CodePoint(string text, int index) => index < text.Length ? $"U+{(int)text[index]:X4}" : "the end";

        static string Excerpt(string text, int from) => from >= text.Length ? "(ends)" : text.Substring(from, Math.Min(400, text.Length - from));
    }
}
