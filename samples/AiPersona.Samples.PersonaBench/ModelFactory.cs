using System.ClientModel;
using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using OllamaSharp;
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
                ? arguments.Provider == "openai" ? OpenAiEmbeddings(embeddingModel, arguments.Endpoint) : new OllamaApiClient(OllamaEndpoint(arguments.Endpoint), embeddingModel)
                : null,
            Description = $"{arguments.Provider}: assistant {arguments.Model}, user {arguments.UserModel ?? arguments.Model}, judge {arguments.JudgeModel ?? arguments.Model}, " +
                $"optimizer {arguments.OptimizerModel ?? arguments.Model}, RAG similarity {(arguments.EmbeddingModel is null ? "word overlap" : "embeddings " + arguments.EmbeddingModel)}",
        };
    }

    private static IChatClient OpenAi(string model, string? endpoint) => OpenAiClient(endpoint).GetChatClient(model).AsIChatClient();

    private static IEmbeddingGenerator<string, Embedding<float>> OpenAiEmbeddings(string model, string? endpoint)
        => OpenAiClient(endpoint).GetEmbeddingClient(model).AsIEmbeddingGenerator();

    private static OpenAIClient OpenAiClient(string? endpoint)
    {
        var key = Environment.GetEnvironmentVariable("OPENAI_API_KEY")
            ?? throw new ArgumentException("--provider openai needs OPENAI_API_KEY in the environment.");
        var options = new OpenAIClientOptions();
        if (endpoint is null && Environment.GetEnvironmentVariable("OPENAI_ENDPOINT") is { } environmentEndpoint && !string.IsNullOrWhiteSpace(environmentEndpoint))
        {
            endpoint = BenchArguments.Url(environmentEndpoint, "OPENAI_ENDPOINT").ToString();
        }

        if (endpoint is not null)
        {
            options.Endpoint = new Uri(endpoint);
        }

        return new OpenAIClient(new ApiKeyCredential(key), options);
    }

    private static IChatClient Ollama(string model, string? endpoint) => new OllamaApiClient(OllamaEndpoint(endpoint), model);

    private static Uri OllamaEndpoint(string? endpoint)
        => endpoint is not null ? new Uri(endpoint)
            : Environment.GetEnvironmentVariable("OLLAMA_ENDPOINT") is { } environmentEndpoint && !string.IsNullOrWhiteSpace(environmentEndpoint)
                ? BenchArguments.Url(environmentEndpoint, "OLLAMA_ENDPOINT")
                : new Uri("http://localhost:11434");
}
