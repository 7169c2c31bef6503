using System.Text.Json;

namespace AiPersona;

/// <summary>Reads an optimizer answer that is JSON but not in the schema's exact shape, as models without native
/// structured output write it: a number or a list where text belongs (<c>"value": 34</c>,
/// <c>"value": ["English", "Urdu"]</c>), a single session label instead of a list, or the list of edits without the
/// object around it. One edit written so does not void the others, nor the whole answer.</summary>
internal static class OptimizerAnswerReader
{
    /// <summary>Reads the answer.</summary>
    /// <param name="json">One JSON value.</param>
    /// <returns>The edits; <see langword="null"/> when the text holds no list of edits (<c>{"edits": "none"}</c>, or a list
    /// with no object in it, such as <c>[1]</c>).</returns>
    public static OptimizerResponse? Read(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonText.Lenient);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            JsonElement edits;
            if (root.ValueKind == JsonValueKind.Array)
            {
                edits = root;
            }
            else if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            else if (!JsonText.TryGetProperty(root, "edits", out edits) || edits.ValueKind == JsonValueKind.Null)
            {
                return new OptimizerResponse(); // nothing to change
            }
            else if (edits.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            if (edits.GetArrayLength() > 0 && !edits.EnumerateArray().Any(static e => e.ValueKind == JsonValueKind.Object))
            {
                return null; // a list such as [1] or ["S1"]: not edits, nor an answer that there are none
            }

            var response = new OptimizerResponse();
            foreach (var edit in edits.EnumerateArray().Where(static e => e.ValueKind == JsonValueKind.Object))
            {
                response.Edits.Add(new OptimizerEdit
                {
                    Section = Text(edit, "section") ?? string.Empty,
                    Field = Text(edit, "field") ?? string.Empty,
                    Action = Text(edit, "action") ?? "set",
                    Value = Text(edit, "value"),
                    Reason = Text(edit, "reason") ?? string.Empty,
                    Sessions = Labels(edit),
                });
            }

            return response;
        }
    }

    private static string? Text(JsonElement edit, string name)
        => JsonText.TryGetProperty(edit, name, out var value) ? Text(value) : null;

    // A list of values is one value, its items joined ("English, Urdu"); an object, or a bare true or false, is no text.
    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array when value.EnumerateArray().All(static i => i.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
            => string.Join(", ", value.EnumerateArray().Select(Text).Where(static t => !string.IsNullOrWhiteSpace(t))),
        _ => null,
    };

    private static List<string> Labels(JsonElement edit)
    {
        if (!JsonText.TryGetProperty(edit, "sessions", out var sessions))
        {
            return [];
        }

        // "S1, S3" where a list belongs.
        return sessions.ValueKind == JsonValueKind.Array
            ? [.. sessions.EnumerateArray().Select(Text).OfType<string>()]
            : [.. (Text(sessions) ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
