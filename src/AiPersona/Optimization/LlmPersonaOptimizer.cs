using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>The default optimizer: one structured-output call to a chat model, which may be a cheaper model than the
/// one users chat with.</summary>
internal sealed partial class LlmPersonaOptimizer : IPersonaOptimizer
{
    private readonly Func<ValueTask<ChatClientLoan>> _chatClient;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly ILogger _logger;

    public LlmPersonaOptimizer(IChatClient chatClient, IOptionsMonitor<AiPersonaOptions> options, ILogger<LlmPersonaOptimizer>? logger = null)
        : this(Fixed(chatClient ?? throw new ArgumentNullException(nameof(chatClient))), options, logger)
    {
    }

    // The client is resolved on every optimization: the app's unkeyed IChatClient can be the personalized pipeline itself,
    // which depends (through the updater) on this optimizer, a client lent by a personalized client can be withdrawn, and a
    // scoped client lives in the scope of one optimization.
    public LlmPersonaOptimizer(Func<ValueTask<ChatClientLoan>> chatClient, IOptionsMonitor<AiPersonaOptions> options, ILogger<LlmPersonaOptimizer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(options);
        _chatClient = chatClient;
        _options = options;
        _logger = logger ?? NullLogger<LlmPersonaOptimizer>.Instance;
    }

    public async Task<PersonaOptimizationResult> OptimizeAsync(PersonaOptimizationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = AiPersonaTelemetry.ActivitySource.StartActivity(AiPersonaTelemetry.OptimizeActivity);
        activity?.SetTag(AiPersonaTelemetry.SessionCountTag, request.Sessions.Count);

        var settings = _options.CurrentValue;
        var prompt = OptimizerPrompt.Create(request, settings.MaxTranscriptCharacters, settings.MaxValueLength);
        var chatOptions = new ChatOptions { Temperature = settings.OptimizerTemperature };
        using var suppression = PersonalizationSuppression.Enter();
        ChatResponse<OptimizerResponse> response;
        await using (var loan = await _chatClient().ConfigureAwait(false))
        {
            response = await loan.Client.GetResponseAsync<OptimizerResponse>(
                prompt.Messages,
                OptimizerJsonContext.Default.Options,
                chatOptions,
                useJsonSchemaResponseFormat: true,
                cancellationToken).ConfigureAwait(false);
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            Log.OptimizerReply(_logger, request.Persona.UserId, response.Text);
        }

        if (!response.TryGetResult(out var result) && !TryParseLenient(response.Text, out result))
        {
            activity?.SetStatus(ActivityStatusCode.Error, "malformed optimizer output");
            return PersonaOptimizationResult.Failure("The optimizer model's answer is not the expected JSON." + Stopped(response.FinishReason));
        }

        return PersonaOptimizationResult.Success(ToEdits(result, prompt.SessionIdsByLabel));
    }

    // Why a model's answer ended, when that explains an answer that could not be read: a retry of the same prompt is likely
    // cut off again, so the log says where to look rather than only that the JSON was broken.
    private static string Stopped(ChatFinishReason? reason)
    {
        if (reason == ChatFinishReason.Length)
        {
            return " The answer was cut off at the model's output token limit.";
        }

        return reason == ChatFinishReason.ContentFilter ? " The model's content filter stopped the answer." : string.Empty;
    }

    // Models without native structured output sometimes wrap the JSON in a code fence or a sentence, or stray from the
    // schema's types ("value": 34).
    private static bool TryParseLenient(string text, out OptimizerResponse result)
    {
        var json = JsonText.ExtractObjectOrArray(text);
        result = json is null ? null! : OptimizerAnswerReader.Read(json)!;
        return result is not null;
    }

    private static List<PersonaEdit> ToEdits(OptimizerResponse response, IReadOnlyDictionary<string, string> sessionIdsByLabel)
    {
        var edits = new List<PersonaEdit>();
        foreach (var edit in response.Edits ?? [])
        {
            if (edit is null)
            {
                continue;
            }

            var operation = string.Equals(edit.Action?.Trim(), "remove", StringComparison.OrdinalIgnoreCase)
                ? PersonaEditOperation.Remove
                : PersonaEditOperation.Set;
            var sources = (edit.Sessions ?? [])
                .SelectMany(label => SessionIds(label?.Trim() ?? string.Empty, sessionIdsByLabel))
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            edits.Add(new PersonaEdit(edit.Section ?? string.Empty, edit.Field ?? string.Empty, operation, edit.Value, edit.Reason, sources));
        }

        return edits;
    }

    // "S2"; or as a model may write it: "2", "Session 2", "[S2]", "S1 and S3", "S2 (2026-03-01)". An edit whose sessions
    // cannot be read is refused, so a model that always cites so would have the persona learn nothing.
    private static IEnumerable<string> SessionIds(string label, IReadOnlyDictionary<string, string> sessionIdsByLabel)
    {
        if (sessionIdsByLabel.TryGetValue(label, out var id))
        {
            return [id];
        }

        IEnumerable<string> numbers = label.All(char.IsAsciiDigit) ? [label] : SessionLabel().Matches(label).Select(static m => m.Groups[1].Value);
        return numbers
            .Select(static n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? "S" + i.ToString(CultureInfo.InvariantCulture) : null)
            .Select(l => l is not null && sessionIdsByLabel.TryGetValue(l, out var found) ? found : null)
            .OfType<string>();
    }

    [GeneratedRegex(@"\b(?:S|Session)\s*#?\s*(\d{1,6})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SessionLabel();

    private static Func<ValueTask<ChatClientLoan>> Fixed(IChatClient chatClient) => () => ValueTask.FromResult(new ChatClientLoan(chatClient));
}
