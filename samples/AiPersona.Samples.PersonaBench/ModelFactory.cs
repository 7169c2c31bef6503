using System.ClientModel;
using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace AiPersona.Samples.PersonaBench;

/// <summary>Creates the models for a run from the arguments and the environment.</summary>
internal static class ModelFactory
{
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
            ?? throw new InvalidOperationException("--provider openai needs OPENAI_API_KEY in the environment.");
        var options = new OpenAIClientOptions();
        endpoint ??= Environment.GetEnvironmentVariable("OPENAI_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            options.Endpoint = new Uri(endpoint);
        }

        return new OpenAIClient(new ApiKeyCredential(key), options);
    }

    private static IChatClient Ollama(string model, string? endpoint) => new OllamaApiClient(OllamaEndpoint(endpoint), model);

    private static Uri OllamaEndpoint(string? endpoint)
        => new(endpoint ?? Environment.GetEnvironmentVariable("OLLAMA_ENDPOINT") ?? "http://localhost:11434");
}
