using System.ClientModel;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace AiPersona.Samples;

/// <summary>The model clients the samples talk to. Compiled into each sample.</summary>
/// <remarks>Both clients give up on a call after 100 seconds unless told otherwise (the HttpClient OllamaApiClient makes for
/// itself, and the OpenAI client's default <c>NetworkTimeout</c>): a local model on a CPU, or a reasoning model, can take
/// longer over a long prompt, and the persona optimizer's prompt is long. The samples give every call
/// <see cref="CallTimeout"/>.</remarks>
internal static class ModelClients
{
    /// <summary>The longest one model call may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Creates an OpenAI client, for the OpenAI service or another endpoint that speaks its API.</summary>
    /// <param name="apiKey">The API key.</param>
    /// <param name="endpoint">The endpoint; <see langword="null"/> for the OpenAI service.</param>
    /// <returns>The client.</returns>
    public static OpenAIClient OpenAi(string apiKey, Uri? endpoint)
    {
        var options = new OpenAIClientOptions { NetworkTimeout = CallTimeout };
        if (endpoint is not null)
        {
            options.Endpoint = endpoint;
        }

        return new OpenAIClient(new ApiKeyCredential(apiKey), options);
    }

    /// <summary>Creates an Ollama client for a model (a chat model, or an embedding model).</summary>
    /// <param name="endpoint">The Ollama endpoint.</param>
    /// <param name="model">The model.</param>
    /// <returns>The client; it is an <see cref="IChatClient"/> and an embedding generator.</returns>
    public static OllamaApiClient Ollama(Uri endpoint, string model)
        => new(new HttpClient { BaseAddress = endpoint, Timeout = CallTimeout }, model);
}
