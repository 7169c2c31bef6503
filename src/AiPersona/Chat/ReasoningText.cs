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

    /// <summary>A reply without the thinking it starts with, as the user is shown it. The thinking starts the reply with
    /// <c>&lt;think&gt;</c>, or with no tag at all when the chat template opened it in the prompt (Qwen3's Thinking-2507
    /// models, for one, answer "…&lt;/think&gt;answer"): then it is what comes before the first <c>&lt;/think&gt;</c>,
    /// if no <c>&lt;think&gt;</c> stands before that. A reply with a <c>&lt;think&gt;</c> further on, or none of the
    /// tags (a user may well write them, and a reply explaining them names both), is returned as it is.</summary>
    public static string WithoutLeading(string text)
    {
        if (text.AsSpan().TrimStart().StartsWith(Start, StringComparison.OrdinalIgnoreCase))
        {
            return After(text).TrimStart();
        }

        var end = text.IndexOf(End, StringComparison.OrdinalIgnoreCase);
        return end >= 0 && !text.AsSpan(0, end).Contains(Start, StringComparison.OrdinalIgnoreCase)
            ? text[(end + End.Length)..].TrimStart()
            : text;
    }
}
