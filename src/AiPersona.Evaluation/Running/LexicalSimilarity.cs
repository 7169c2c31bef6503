using System.Text.RegularExpressions;

namespace AiPersona.Evaluation;

/// <summary>Cosine similarity of word counts: the Conversation RAG baseline's retrieval when no embedding model is given.</summary>
internal static partial class LexicalSimilarity
{
    public static double Cosine(string a, string b)
    {
        var x = Counts(a);
        var y = Counts(b);
        if (x.Count == 0 || y.Count == 0)
        {
            return 0;
        }

        double dot = 0;
        foreach (var (word, count) in x)
        {
            if (y.TryGetValue(word, out var other))
            {
                dot += count * other;
            }
        }

        return dot / (Math.Sqrt(x.Values.Sum(v => (double)v * v)) * Math.Sqrt(y.Values.Sum(v => (double)v * v)));
    }

    private static Dictionary<string, int> Counts(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match word in Word().Matches(text.ToLowerInvariant()))
        {
            counts[word.Value] = counts.GetValueOrDefault(word.Value) + 1;
        }

        return counts;
    }

    [GeneratedRegex(@"\p{L}{3,}")]
    private static partial Regex Word();
}
