using System.Text;
using System.Text.RegularExpressions;

namespace AiPersona.Evaluation;

/// <summary>Finds trait keywords in text: case-insensitive, at the start of a word ("sustainab" matches "sustainable",
/// "art" does not match "part"). In scripts written without spaces (Chinese, Japanese, Thai, …) a word can start
/// anywhere, so a keyword in such a script matches wherever it occurs ("素食" in "我喜欢素食").</summary>
public static class TraitMatcher
{
    /// <summary>Returns whether any keyword occurs in the text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="keywords">The keywords.</param>
    /// <returns><see langword="true"/> when one occurs.</returns>
    public static bool ContainsAny(string? text, IEnumerable<string> keywords)
    {
        ArgumentNullException.ThrowIfNull(keywords);
        return !string.IsNullOrEmpty(text)
            && keywords.Any(k => !string.IsNullOrWhiteSpace(k)
                && Regex.IsMatch(text, Pattern(k.Trim()), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
    }

    private static string Pattern(string keyword)
    {
        // Not preceded by a letter, combining mark or digit: a word's start even where the keyword itself begins with a
        // symbol ("#vegan"), which \b would miss.
        var wordStart = UnspacedScripts.Contains(FirstCodePoint(keyword)) ? string.Empty : @"(?<![\p{L}\p{M}\p{Nd}])";
        return wordStart + Regex.Escape(keyword);
    }

    // U+FFFD for half a surrogate pair, which Rune.GetRuneAt would throw on.
    private static int FirstCodePoint(string text)
    {
        _ = Rune.DecodeFromUtf16(text, out var rune, out _);
        return rune.Value;
    }
}
