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

    private static int IndexOfUnstorable(string text, int start, bool nulToo)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]) || (nulToo && text[i] == '\0'))
            {
                return i;
            }
        }

        return -1;
    }
}
