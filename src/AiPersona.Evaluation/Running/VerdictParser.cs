using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AiPersona.Evaluation;

/// <summary>Reads judge and simulated-user answers, which models do not always format as asked. A score must be a number
/// from 0 to 10; anything else makes the verdict unusable (reported, and left out of the means) rather than guessed. The
/// thinking a reasoning model writes before its answer (up to <c>&lt;/think&gt;</c>) is left out.</summary>
public static partial class VerdictParser
{
    /// <summary>Parses named 0–10 scores from a judge's answer: JSON first, then <c>name: number</c> text.</summary>
    /// <param name="text">The judge's answer.</param>
    /// <param name="names">The scores expected.</param>
    /// <returns>The scores, or an error.</returns>
    public static JudgeScores ParseScores(string? text, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        text = text is null ? null : ReasoningText.After(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new JudgeScores(new Dictionary<string, double>(), null, "The judge gave an empty answer.");
        }

        var scores = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        string? rationale = null;
        if (TryParseObject(text) is { } json)
        {
            foreach (var name in names)
            {
                if (JsonText.TryGetProperty(json, name, out var value) && ReadNumber(value) is { } number)
                {
                    scores[name] = number;
                }
            }

            if (JsonText.TryGetProperty(json, "rationale", out var why) && why.ValueKind == JsonValueKind.String)
            {
                rationale = why.GetString();
            }
        }

        foreach (var name in names.Where(n => !scores.ContainsKey(n)))
        {
            // Quotes or Markdown emphasis may wrap the name or the number ("**Helpfulness:** 8"). No nested quantifiers, so
            // no catastrophic backtracking: no match timeout, which a busy machine could trip.
            var match = Regex.Match(text, $@"\b{Regex.Escape(name)}\b[*_""'\s]*[:=][*_""'\s]*(-?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            if (match.Success)
            {
                scores[name] = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        var missing = names.Where(n => !scores.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            return new JudgeScores(scores, rationale, $"The judge's answer has no {string.Join(" or ", missing)} score.");
        }

        var outOfRange = scores.Where(s => s.Value is < 0 or > 10).Select(s => s.Key).ToList();
        return outOfRange.Count > 0
            ? new JudgeScores(scores, rationale, $"The judge's {string.Join(", ", outOfRange)} score is outside 0–10.")
            : new JudgeScores(scores, rationale, null);
    }

    /// <summary>Parses the simulated user's verdict: JSON <c>{"satisfied": bool, "reply": text}</c> (<c>"yes"</c> and
    /// <c>"no"</c> are read too). Any other answer is read as "not satisfied": prose is the reply as it stands; JSON that is
    /// not the verdict gives its <c>reply</c> text, or none (never the JSON itself, which no user would write).</summary>
    /// <param name="text">The simulator's answer.</param>
    /// <returns>The verdict.</returns>
    public static UserVerdict ParseUserVerdict(string? text)
    {
        text = text is null ? null : ReasoningText.After(text);
        if (TryParseObject(text) is { } json)
        {
            var reply = JsonText.TryGetProperty(json, "reply", out var r) && r.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(r.GetString())
                ? r.GetString()
                : null;
            var isSatisfied = !JsonText.TryGetProperty(json, "satisfied", out var satisfied) ? null : satisfied.ValueKind switch
            {
                JsonValueKind.True => (bool?)true,
                JsonValueKind.False => false,
                JsonValueKind.String => satisfied.GetString()?.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "YES" => true,
                    "FALSE" or "NO" => false,
                    _ => null,
                },
                _ => null,
            };
            return isSatisfied is { } ok && (ok || reply is not null)
                ? new UserVerdict(ok, ok ? null : reply, Malformed: false)
                : new UserVerdict(false, reply, Malformed: true);
        }

        return new UserVerdict(false, string.IsNullOrWhiteSpace(text) ? null : text.Trim(), Malformed: true);
    }

    private static JsonElement? TryParseObject(string? text)
    {
        var json = JsonText.ExtractObjectOrArray(text);
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json, JsonText.Lenient);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double? ReadNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        // "NaN" parses, and would pass every range check: it is no score.
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) => d,
        _ => null,
    };
}
