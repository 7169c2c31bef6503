using System.Text.Json;

namespace AiPersona;

/// <summary>Finds the JSON in a model's text answer, which may wrap it in a Markdown code fence or prose, add a note after
/// it, or follow the model's thinking (<see cref="ReasoningText"/>).</summary>
internal static class JsonText
{
    // How many closing brackets, from the last one back, are tried as the end of the JSON.
    private const int MaxEnds = 8;

    /// <summary>How a model's JSON is parsed: trailing commas and comments, which models write, are allowed.</summary>
    public static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Gets an object's property by name, ignoring case: models do not always keep a name's case.</summary>
    public static bool TryGetProperty(JsonElement json, string name, out JsonElement value)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The text from the first <c>{</c> or <c>[</c> to the closing bracket that makes it one JSON value: the last
    /// one, or an earlier one when a note after the JSON holds brackets of its own; <see langword="null"/> when no such
    /// text is JSON. Half a surrogate pair in it is U+FFFD, which is what a UTF-8 answer would have held: parsing it as it
    /// is would throw.</summary>
    public static string? ExtractObjectOrArray(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = UnicodeText.WithoutLoneSurrogates(ReasoningText.After(text));
        var start = text.IndexOfAny(['{', '[']);
        if (start < 0)
        {
            return null;
        }

        var close = text[start] == '{' ? '}' : ']';
        for (int end = text.LastIndexOf(close), tried = 0; end > start && tried < MaxEnds; end = text.LastIndexOf(close, end - 1), tried++)
        {
            if (IsJson(text.AsMemory(start, end + 1 - start)))
            {
                return text[start..(end + 1)];
            }
        }

        return null;
    }

    private static bool IsJson(ReadOnlyMemory<char> candidate)
    {
        try
        {
            using var document = JsonDocument.Parse(candidate, Lenient);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
