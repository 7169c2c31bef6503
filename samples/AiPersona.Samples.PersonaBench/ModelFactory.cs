using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AiPersona.Samples.PersonaBench;

/// <summary>Creates the models for a run from the arguments and the environment.</summary>
internal static class ModelFactory
{
    /// <exception cref="ArgumentException">The environment lacks the API key, or names an endpoint that is not a URL.</exception>
    public static PersonaBenchModels Create(BenchArguments arguments)
    {
        if (arguments.Provider is null)
        {
            return PersonaBenchModels.CreateScripted();
        }

        IChatClient Client(string? model) => arguments.Provider == "openai" ? OpenAi(model ?? arguments.Model!, arguments.Endpoint) : Ollama(model ?? arguments.Model!, arguments.Endpoint);
        return new PersonaBenchModels
        {
            Assistant = Client(arguments.Model),
            UserSimulator = Client(arguments.UserModel),
            Judge = Client(arguments.JudgeModel),
            Optimizer = Client(arguments.OptimizerModel),
            ToolSimulator = Client(arguments.Model),
            Embeddings = arguments.EmbeddingModel is { } embeddingModel
                ? arguments.Provider == "openai" ? OpenAiEmbeddings(embeddingModel, arguments.Endpoint) : ModelClients.Ollama(OllamaEndpoint(arguments.Endpoint), embeddingModel)
                : null,
            Description = $"{arguments.Provider}: assistant {arguments.Model}, user {arguments.UserModel ?? arguments.Model}, judge {arguments.JudgeModel ?? arguments.Model}, " +
                $"optimizer {arguments.OptimizerModel ?? arguments.Model}, RAG similarity {(arguments.EmbeddingModel is null ? "word overlap" : "embeddings " + arguments.EmbeddingModel)}",
        };
    }

    private static IChatClient OpenAi(string model, Uri? endpoint) => OpenAiClient(endpoint).GetChatClient(model).AsIChatClient();

    private static IEmbeddingGenerator<string, Embedding<float>> OpenAiEmbeddings(string model, Uri? endpoint)
        => OpenAiClient(endpoint).GetEmbeddingClient(model).AsIEmbeddingGenerator();

    private static OpenAIClient OpenAiClient(Uri? endpoint)
    {
        var key = Environment.GetEnvironmentVariable("OPENAI_API_KEY")
            ?? throw new ArgumentException("--provider openai needs OPENAI_API_KEY in the environment.");
        return ModelClients.OpenAi(key, Endpoint(endpoint, "OPENAI_ENDPOINT"));
    }

    private static IChatClient Ollama(string model, Uri? endpoint) => ModelClients.Ollama(OllamaEndpoint(endpoint), model);

    private static Uri OllamaEndpoint(Uri? endpoint) => Endpoint(endpoint, "OLLAMA_ENDPOINT") ?? new Uri("http://localhost:11434");

    // --endpoint, else the environment variable when it is set.
    private static Uri? Endpoint(Uri? given, string variable)
        => given ?? (Environment.GetEnvironmentVariable(variable) is { } value && !string.IsNullOrWhiteSpace(value) ? BenchArguments.Url(value, variable) : null);
}
