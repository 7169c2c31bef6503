using System.Text.Json;

namespace AiPersona;

/// <summary>Finds the JSON in a model's text answer, which may wrap it in a Markdown code fence or prose, add a note
/// after it, or follow the model's thinking (<see cref="ReasoningText"/>).</summary>
internal static class JsonText
{
    // How many closing brackets, from the last one back, are tried as the end of the JSON.
    private const int MaxEnds = 8;

    // How many opening brackets are tried as the start of the JSON: brackets in the prose before it ("sessions [1] and
    // [3]", "{demographics.age}") are passed over.
    private const int MaxStarts = 16;

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

    /// <summary>The JSON value in the text: from an opening <c>{</c> or <c>[</c> to the closing bracket that makes it
    /// one JSON value (the last one, or an earlier one when a note after the JSON holds brackets of its own);
    /// <see langword="null"/> when no such text is JSON. Brackets in the prose before it are passed over: an object, or
    /// a list holding objects or lists, is taken before a list of plain values such as the <c>[1]</c> of "sessions [1]
    /// and [3]", which is taken only when the text holds nothing else (but a code fence around it). A start whose
    /// brackets never close (an answer cut off in the middle of its JSON) gives <see langword="null"/>: nothing inside
    /// or before the cut-off JSON is taken for the answer. Half a surrogate pair in the text is U+FFFD, which is what a
    /// UTF-8 answer would have held: parsing it as it is would throw.</summary>
    public static string? ExtractObjectOrArray(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = UnicodeText.WithoutLoneSurrogates(ReasoningText.After(text));
        string? plainList = null;
        var start = text.IndexOfAny(['{', '[']);
        for (var tried = 0; start >= 0 && tried < MaxStarts; tried++)
        {
            var json = JsonFrom(text, start, out var structured);
            if (json is not null && structured)
            {
                return json;
            }

            if (json is not null && IsAlone(text, start, json.Length))
            {
                plainList ??= json;
            }

            var next = json is not null ? start + json.Length : AfterClosingBracket(text, start);
            if (next < 0)
            {
                return null; // cut off: a list before it is no more the answer than a part of it would be
            }

            start = text.IndexOfAny(['{', '['], next);
        }

        return plainList;
    }

    // The longest text from start that is JSON, trying closing brackets from the last one back.
    private static string? JsonFrom(string text, int start, out bool structured)
    {
        var close = text[start] == '{' ? '}' : ']';
        for (int end = text.LastIndexOf(close), tried = 0; end > start && tried < MaxEnds; end = text.LastIndexOf(close, end - 1), tried++)
        {
            if (IsJson(text.AsMemory(start, end + 1 - start), out structured))
            {
                return text[start..(end + 1)];
            }
        }

        structured = false;
        return null;
    }

    // Whether the text holds nothing but the JSON, and perhaps a Markdown code fence around it: a list of plain values
    // in a sentence ("Booked table [4] for you.") is part of the sentence.
    private static bool IsAlone(string text, int start, int length)
    {
        var before = text.AsSpan(0, start).Trim();
        var after = text.AsSpan(start + length).Trim();
        return (before.IsEmpty || before.EndsWith("```", StringComparison.Ordinal) || before.EndsWith("```json", StringComparison.OrdinalIgnoreCase))
            && (after.IsEmpty || after.StartsWith("```", StringComparison.Ordinal));
    }

    // Just after the bracket that closes the one at start (brackets in double-quoted text not counted); -1 when none does.
    private static int AfterClosingBracket(string text, int start)
    {
        var depth = 0;
        var quoted = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']' && --depth == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }

    // Whether the text is one JSON value, and whether that value is an object or a list holding an object or a list.
    private static bool IsJson(ReadOnlyMemory<char> candidate, out bool structured)
    {
        try
        {
            using var document = JsonDocument.Parse(candidate, Lenient);
            var root = document.RootElement;
            structured = root.ValueKind == JsonValueKind.Object
                || root.EnumerateArray().Any(static item => item.ValueKind is JsonValueKind.Object or JsonValueKind.Array);
            return true;
        }
        catch (JsonException)
        {
            structured = false;
            return false;
        }
    }
}
