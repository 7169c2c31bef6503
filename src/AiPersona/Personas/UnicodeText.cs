namespace AiPersona;

/// <summary>Checks on text that must survive UTF-8 (storage keys, JSON documents, provider requests).</summary>
internal static class UnicodeText
{
    /// <summary>Returns the index of the first half of a surrogate pair that has no other half, or -1. UTF-8 cannot encode
    /// such a character: encoders replace it with U+FFFD, so two different strings would come out the same.</summary>
    public static int IndexOfLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Replaces every unpaired surrogate with U+FFFD, as UTF-8 encoders do, so that what is stored and what is
    /// compared with it are the same text; returns the same instance when there is none.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? ReplaceLoneSurrogates(string? text)
    {
        var first = text is null ? -1 : IndexOfLoneSurrogate(text);
        if (first < 0)
        {
            return text;
        }

        var chars = text!.ToCharArray();
        for (var i = first; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }
}
