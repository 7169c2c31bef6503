using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPersona;

/// <summary>Simulates function results with a chat model from the functions' API documentation, as the paper's Tool
/// Executor does. Nothing real is called: use it for benchmarks and dry runs.</summary>
/// <remarks>The result is the model's JSON when it answers with JSON, its text otherwise.</remarks>
public sealed class SimulatedToolExecutor : IToolExecutor
{
    private const string Instructions = """
        You simulate an API for testing. Given the API's documentation and the arguments of one call, answer with the
        response the real API would return: realistic, consistent with the arguments, and in JSON when the API returns
        structured data. Answer with the response only, no explanation.
        """;

    private readonly Func<ValueTask<ChatClientLoan>> _chatClient;
    private readonly IReadOnlyDictionary<string, string> _documentation;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="SimulatedToolExecutor"/> class.</summary>
    /// <param name="chatClient">The model that simulates the APIs.</param>
    /// <param name="apiDocumentation">Extra documentation per function name, added to the function's own description.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for no logging.</param>
    public SimulatedToolExecutor(IChatClient chatClient, IReadOnlyDictionary<string, string>? apiDocumentation = null, ILogger<SimulatedToolExecutor>? logger = null)
        : this(Fixed(chatClient ?? throw new ArgumentNullException(nameof(chatClient))), apiDocumentation, logger)
    {
    }

    private SimulatedToolExecutor(Func<ValueTask<ChatClientLoan>> chatClient, IReadOnlyDictionary<string, string>? apiDocumentation, ILogger<SimulatedToolExecutor>? logger)
    {
        _chatClient = chatClient;
        _documentation = apiDocumentation ?? new Dictionary<string, string>();
        _logger = logger ?? NullLogger<SimulatedToolExecutor>.Instance;
    }

    /// <summary>Creates an executor that resolves its model for each simulated call. The app's <see cref="IChatClient"/>,
    /// which <c>UseSimulatedTools()</c> uses when given no key, is the very pipeline whose <c>UseToolExecutor()</c> resolves
    /// this executor: resolving it up front would be a dependency cycle (a dead-lock in the service provider).</summary>
    internal static SimulatedToolExecutor ResolvingClientLate(Func<ValueTask<ChatClientLoan>> chatClient, ILogger<SimulatedToolExecutor>? logger)
        => new(chatClient, null, logger);

    /// <summary>Creates a function that exists only as documentation: the model can call it and this executor
    /// simulates it. Invoking it directly throws.</summary>
    /// <param name="name">The function name.</param>
    /// <param name="description">What the function does: its API documentation.</param>
    /// <param name="parametersSchema">The JSON schema of its parameters.</param>
    /// <returns>The function.</returns>
    public static AIFunction CreateFunction(string name, string description, JsonElement parametersSchema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new SimulatedFunction(name, description ?? string.Empty, parametersSchema);
    }

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(FunctionInvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var function = context.Function;
        var prompt = new StringBuilder()
            .Append("API: ").AppendLine(function.Name)
            .Append("Documentation: ").AppendLine(function.Description);
        if (_documentation.TryGetValue(function.Name, out var extra))
        {
            prompt.AppendLine(extra);
        }

        prompt.Append("Parameters schema: ").AppendLine(function.JsonSchema.GetRawText())
            .Append("Call arguments: ").AppendLine(JsonSerializer.Serialize(
                context.Arguments,
                AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));

        using var suppression = PersonalizationSuppression.Enter();
        ChatResponse response;
        await using (var loan = await _chatClient())
        {
            response = await loan.Client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, prompt.ToString())],
                new ChatOptions(), // no temperature: reasoning models refuse any but their default
                cancellationToken);
        }

        Log.ToolSimulated(_logger, function.Name);
        return ParseResult(response.Text);
    }

    private static Func<ValueTask<ChatClientLoan>> Fixed(IChatClient chatClient) => () => ValueTask.FromResult(new ChatClientLoan(chatClient));

    private static object? ParseResult(string text)
    {
        var json = JsonText.ExtractObjectOrArray(text);
        if (json is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(json, JsonText.Lenient);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: return the text as it is.
            }
        }

        return ReasoningText.After(text).Trim();
    }
}
