namespace AiPersona;

/// <summary>Finds the JSON in a model's text answer, which may wrap it in a Markdown code fence or prose, or follow the
/// model's thinking.</summary>
internal static class JsonText
{
    private const string ReasoningEnd = "</think>";

    public static string? ExtractObjectOrArray(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = WithoutReasoning(text);
        var start = text.IndexOfAny(['{', '[']);
        if (start < 0)
        {
            return null;
        }

        var close = text[start] == '{' ? '}' : ']';
        var end = text.LastIndexOf(close);
        return end > start ? text[start..(end + 1)] : null;
    }

    /// <summary>Leaves out the thinking that reasoning models (DeepSeek-R1, QwQ, Qwen3) write into the answer itself, between
    /// <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>, when the server gives reasoning no channel of its own: braces or
    /// scores in it are not the answer.</summary>
    public static string WithoutReasoning(string text)
    {
        var end = text.LastIndexOf(ReasoningEnd, StringComparison.OrdinalIgnoreCase);
        return end < 0 ? text : text[(end + ReasoningEnd.Length)..];
    }
}
