namespace AiPersona;

/// <summary>Finds the JSON in a model's text answer, which may wrap it in a Markdown code fence or prose.</summary>
internal static class JsonText
{
    public static string? ExtractObjectOrArray(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

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
