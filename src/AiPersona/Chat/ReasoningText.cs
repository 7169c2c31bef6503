namespace AiPersona;

/// <summary>The thinking that reasoning models (DeepSeek-R1, QwQ, Qwen3) write into their answer itself, between
/// <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>, when the server gives reasoning no channel of its own. (Where it does,
/// Microsoft.Extensions.AI holds the reasoning as <c>TextReasoningContent</c>, which <c>ChatMessage.Text</c> leaves
/// out.)</summary>
internal static class ReasoningText
{
    private const string Start = "<think>";
    private const string End = "</think>";

    /// <summary>What follows the last <c>&lt;/think&gt;</c>: the answer to a request for a format (JSON, scores), where
    /// braces or numbers in the thinking are not the answer.</summary>
    public static string After(string text)
    {
        var end = text.LastIndexOf(End, StringComparison.OrdinalIgnoreCase);
        return end < 0 ? text : text[(end + End.Length)..];
    }

    /// <summary>A reply without the thinking it starts with, as the user is shown it; a reply that does not start with
    /// <c>&lt;think&gt;</c> (a user may well write the tag further on) is returned as it is.</summary>
    public static string WithoutLeading(string text)
        => text.AsSpan().TrimStart().StartsWith(Start, StringComparison.OrdinalIgnoreCase) ? After(text).TrimStart() : text;
}
