using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>Base of the SIMULATION models: deterministic scripts that read the same prompts a real model would get and
/// answer by simple rules, so the benchmark pipeline can run offline. Token counts are estimates (four characters per
/// token). Nothing they produce measures model quality.</summary>
internal abstract partial class ScriptedModel : IChatClient
{
    public const string Label = "[SIMULATED]";

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "about", "above", "after", "again", "answer", "around", "because", "before", "being", "below", "between", "could",
        "doesn", "don't", "during", "every", "first", "great", "having", "ideally", "isn't", "later", "least", "maybe", "might",
        "nothing", "other", "please", "quite", "really", "should", "since", "something", "still", "their", "there", "these",
        "thing", "things", "those", "through", "tonight", "under", "until", "using", "wants", "which", "while", "would", "you're",
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var message = Respond(list, options);
        var prompt = string.Concat(list.Select(m => m.Text));
        return Task.FromResult(new ChatResponse(message)
        {
            ModelId = "scripted-simulation",
            Usage = new UsageDetails { InputTokenCount = (prompt.Length + 3) / 4, OutputTokenCount = (message.Text.Length + 3) / 4 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>Significant words (five letters or more, not common filler), lowercased.</summary>
    internal static HashSet<string> SignificantWords(string? text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Word().Matches(text ?? string.Empty))
        {
            var word = match.Value.ToLowerInvariant();
            if (word.Length >= 5 && !StopWords.Contains(word))
            {
                words.Add(word);
            }
        }

        return words;
    }

    /// <summary>Whether two word sets share a word, comparing the first five letters (so "train" meets "trains").</summary>
    internal static bool Overlap(HashSet<string> a, HashSet<string> b) => a.Any(x => b.Any(y => string.CompareOrdinal(x, 0, y, 0, 5) == 0));

    internal static string Field(string text, string label)
    {
        var match = Regex.Match(text, "^" + Regex.Escape(label) + @"\s*(.*)$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value.Trim() : string.Empty;
    }

    /// <summary>The part of the real need the neutral query leaves out: the trait.</summary>
    internal static string Trait(string need, string asked)
        => need.StartsWith(asked, StringComparison.Ordinal) ? need[asked.Length..].Trim() : need;

    protected abstract ChatMessage Respond(List<ChatMessage> messages, ChatOptions? options);

    [GeneratedRegex(@"[\p{L}']+")]
    private static partial Regex Word();
}
