using System.Buffers;

namespace AiPersona;

/// <summary>Checks on text that must survive UTF-8 (storage keys, JSON documents, database columns).</summary>
internal static class UnicodeText
{
    private static readonly SearchValues<char> Surrogates = SearchValues.Create(SurrogateRange());
    private static readonly SearchValues<char> SurrogatesAndNul = SearchValues.Create("\0" + SurrogateRange());

    /// <summary>Returns the index of the first half of a surrogate pair that has no other half, or -1. UTF-8 cannot encode
    /// such a character: encoders replace it with U+FFFD, so two different strings would come out the same.</summary>
    public static int IndexOfLoneSurrogate(string text) => IndexOfUnstorable(text, 0, nulToo: false);

    /// <summary>Returns the text as every store keeps it: unpaired surrogates (which UTF-8 cannot encode) and U+0000 (which
    /// PostgreSQL text cannot hold) become U+FFFD, so that what is stored and what is later compared with it are the same
    /// text. Returns the same instance when there is nothing to replace.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? ToStorable(string? text) => Replace(text, nulToo: true);

    /// <summary>Returns the text with unpaired surrogates as U+FFFD, as UTF-8 encoders write them: System.Text.Json throws
    /// on such text where it must transcode it, as when parsing it. Returns the same instance when there is nothing to
    /// replace.</summary>
    public static string WithoutLoneSurrogates(string text) => Replace(text, nulToo: false);

    /// <summary>Returns the text in Unicode compatibility form (NFKC: full-width letters and ligatures as plain letters,
    /// accents composed), with unpaired surrogates as U+FFFD first, as
    /// <see cref="string.Normalize(System.Text.NormalizationForm)"/> throws on them. Returns the same instance when there
    /// is nothing to change.</summary>
    public static string ToCompatibilityForm(string text)
    {
        text = WithoutLoneSurrogates(text);
        return text.IsNormalized(System.Text.NormalizationForm.FormKC) ? text : text.Normalize(System.Text.NormalizationForm.FormKC);
    }

    /// <summary>Returns the first <paramref name="maxLength"/> characters of the text, one fewer when the cut would fall
    /// between the halves of a surrogate pair (an emoji), so the cut never leaves half a character behind.</summary>
    public static string Truncate(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (text.Length <= maxLength)
        {
            return text;
        }

        return maxLength == 0 ? string.Empty : text[..(char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength)];
    }

    /// <summary>Returns the strings as every store keeps them (see <see cref="ToStorable"/>): the same instance when there
    /// is nothing to replace, an empty list for <see langword="null"/>.</summary>
    public static IReadOnlyList<string> ToStorableAll(IReadOnlyList<string>? texts)
    {
        if (texts is null)
        {
            return [];
        }

        foreach (var text in texts)
        {
            if (!ReferenceEquals(text, ToStorable(text)))
            {
                return [.. texts.Select(static t => ToStorable(t))];
            }
        }

        return texts;
    }

    // Runs on every message of every turn: the search is the BCL's vectorized one, so text without surrogates or U+0000
    // costs one pass; only a surrogate found (an emoji, say) is looked at more closely. SearchValues rather than the generic
    // IndexOfAnyInRange<T> and IndexOf<T>: with those, a 300-turn run in one process allocated boxed chars (about 38 KB a
    // turn of 300 to 600 messages) that a warmed-up loop calling them alone did not show.
    private static int IndexOfUnstorable(string text, int start, bool nulToo)
    {
        var span = text.AsSpan();
        var values = nulToo ? SurrogatesAndNul : Surrogates;
        for (var i = start; i < span.Length;)
        {
            var next = span[i..].IndexOfAny(values);
            if (next < 0)
            {
                return -1;
            }

            i += next;
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i += 2;
                continue;
            }

            return i; // half a surrogate pair, or U+0000
        }

        return -1;
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private static string? Replace(string? text, bool nulToo)
    {
        var index = text is null ? -1 : IndexOfUnstorable(text, 0, nulToo);
        if (index < 0)
        {
            return text;
        }

        var chars = text!.ToCharArray();
        for (; index >= 0; index = IndexOfUnstorable(text, index + 1, nulToo))
        {
            chars[index] = '\uFFFD';
        }

        return new string(chars);
    }

    private static string SurrogateRange() => string.Create(0xE000 - 0xD800, 0, static (chars, _) =>
    {
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(0xD800 + i);
        }
    });
}
