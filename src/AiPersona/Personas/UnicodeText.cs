namespace AiPersona;

/// <summary>Checks on text that must survive UTF-8 (storage keys, JSON documents, database columns).</summary>
internal static class UnicodeText
{
    /// <summary>Returns the index of the first half of a surrogate pair that has no other half, or -1. UTF-8 cannot encode
    /// such a character: encoders replace it with U+FFFD, so two different strings would come out the same.</summary>
    public static int IndexOfLoneSurrogate(string text) => IndexOfUnstorable(text, 0, nulToo: false);

    /// <summary>Returns the text as every store keeps it: unpaired surrogates (which UTF-8 cannot encode) and U+0000 (which
    /// PostgreSQL text cannot hold) become U+FFFD, so that what is stored and what is later compared with it are the same
    /// text. Returns the same instance when there is nothing to replace.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? ToStorable(string? text)
    {
        var index = text is null ? -1 : IndexOfUnstorable(text, 0, nulToo: true);
        if (index < 0)
        {
            return text;
        }

        var chars = text!.ToCharArray();
        for (; index >= 0; index = IndexOfUnstorable(text, index + 1, nulToo: true))
        {
            chars[index] = '\uFFFD';
        }

        return new string(chars);
    }

    // Runs on every message of every turn: the searches are the BCL's vectorized ones, so text without surrogates or U+0000
    // costs a pass of each; only a surrogate found (an emoji, say) is looked at more closely.
    private static int IndexOfUnstorable(string text, int start, bool nulToo)
    {
        var span = text.AsSpan();
        var nul = nulToo ? span[start..].IndexOf('\0') : -1;
        var end = nul < 0 ? span.Length : start + nul;
        for (var i = start; i < end;)
        {
            var next = span[i..end].IndexOfAnyInRange('\uD800', '\uDFFF');
            if (next < 0)
            {
                break;
            }

            i += next;
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i += 2;
                continue;
            }

            return i;
        }

        return nul < 0 ? -1 : start + nul;
    }
}
