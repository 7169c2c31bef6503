using System.Text.RegularExpressions;

namespace AiPersona.Evaluation;

/// <summary>Finds trait keywords in text: case-insensitive, at the start of a word ("sustainab" matches "sustainable",
/// "art" does not match "part").</summary>
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
                && Regex.IsMatch(text, @"\b" + Regex.Escape(k.Trim()), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
    }
}
