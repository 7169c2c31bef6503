namespace AiPersona;

/// <summary>Finds the JSON in a model's text answer, which may wrap it in a Markdown code fence or prose, or follow the
/// model's thinking (<see cref="ReasoningText"/>).</summary>
internal static class JsonText
{
    public static string? ExtractObjectOrArray(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = ReasoningText.After(text);
        var start = text.IndexOfAny(['{', '[']);
        if (start < 0)
        {
            return null;
        }

        var close = text[start] == '{' ? '}' : ']';
        var end = text.LastIndexOf(close);
        return end > start ? text[start..(end + 1)] : null;
    }
}
