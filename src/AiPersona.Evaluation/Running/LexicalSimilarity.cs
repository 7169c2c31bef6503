using System.Globalization;
using System.Text;

namespace AiPersona.Evaluation;

/// <summary>Cosine similarity of term counts: the Conversation RAG baseline's retrieval when no embedding model is given.</summary>
/// <remarks>A term is a word of three letters or more (two Korean syllables or more) in scripts that separate words with
/// spaces (letters and combining marks together, so a Hindi or Arabic word with vowel signs stays one word), and a pair
/// of adjacent characters in scripts that do not (Chinese, Japanese, Thai, Lao, Khmer, Myanmar), where a whole sentence
/// would otherwise be one "word" matching only itself. Text is compared in Unicode compatibility form (NFKC), ignoring
/// case, so full-width letters match ordinary ones and a precomposed accent matches a combining one.</remarks>
internal static class LexicalSimilarity
{
    private const int MinWordLetters = 3;

    // A Hangul letter is a whole syllable, and many Korean words are two.
    private const int MinHangulWordSyllables = 2;

    public static double Cosine(string a, string b)
    {
        var x = Counts(a);
        var y = Counts(b);
        if (x.Count == 0 || y.Count == 0)
        {
            return 0;
        }

        double dot = 0;
        foreach (var (term, count) in x)
        {
            if (y.TryGetValue(term, out var other))
            {
                dot += count * other;
            }
        }

        return dot / (Math.Sqrt(x.Values.Sum(v => (double)v * v)) * Math.Sqrt(y.Values.Sum(v => (double)v * v)));
    }

    /// <summary>Returns the text's terms with their counts.</summary>
    internal static Dictionary<string, int> Counts(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var normalized = UnicodeText.ToCompatibilityForm(text).ToLowerInvariant();

        // A run of word characters of one kind (spaced or unspaced script), as characters: each a letter with the
        // combining marks that follow it.
        var run = new List<string>();
        var runUnspaced = false;
        var character = new StringBuilder();
        foreach (var rune in normalized.EnumerateRunes())
        {
            if (IsMark(rune) && character.Length > 0)
            {
                character.Append(rune.ToString());
                continue;
            }

            if (character.Length > 0)
            {
                run.Add(character.ToString());
                character.Clear();
            }

            var unspaced = UnspacedScripts.Contains(rune.Value);
            if (!Rune.IsLetter(rune) || (run.Count > 0 && unspaced != runUnspaced))
            {
                AddTerms(run, runUnspaced, counts);
                run.Clear();
            }

            if (Rune.IsLetter(rune))
            {
                runUnspaced = unspaced;
                character.Append(rune.ToString());
            }
        }

        if (character.Length > 0)
        {
            run.Add(character.ToString());
        }

        AddTerms(run, runUnspaced, counts);
        return counts;
    }

    private static void AddTerms(List<string> run, bool unspaced, Dictionary<string, int> counts)
    {
        if (run.Count == 0)
        {
            return;
        }

        if (!unspaced)
        {
            if (run.Count >= (IsHangul(run[0][0]) ? MinHangulWordSyllables : MinWordLetters))
            {
                Add(counts, string.Concat(run));
            }
        }
        else if (run.Count == 1)
        {
            Add(counts, run[0]); // a lone character is a term of its own
        }
        else
        {
            // Overlapping pairs, as search engines index text written without spaces.
            for (var i = 0; i + 1 < run.Count; i++)
            {
                Add(counts, run[i] + run[i + 1]);
            }
        }
    }

    private static void Add(Dictionary<string, int> counts, string term) => counts[term] = counts.GetValueOrDefault(term) + 1;

    private static bool IsHangul(char c) => c is >= '\uAC00' and <= '\uD7A3';

    private static bool IsMark(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}
