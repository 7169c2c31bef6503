using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiPersona.RealClients.Tests;

/// <summary>A minimal HTTP server (Kestrel) on 127.0.0.1 speaking just enough of the OpenAI (chat completions and
/// responses, embeddings) or Ollama chat and embed protocol for a real client library to talk to it. Every request body is
/// kept for assertions.</summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeProtocol _protocol;
    private readonly Func<JsonObject, string> _reply;
    private readonly Func<IReadOnlyList<string>, float[][]>? _embed;
    private readonly Func<JsonObject, Task>? _holdStream;
    private readonly Func<JsonObject, FakeToolCall?>? _toolCall;
    private readonly bool _onlyDefaultTemperature;
    private readonly Dictionary<string, (string Text, int Fetches)> _background = [];
    private int _responseCount;

    private FakeLlmServer(
        FakeProtocol protocol,
        Func<JsonObject, string> reply,
        Func<IReadOnlyList<string>, float[][]>? embed,
        Func<JsonObject, Task>? holdStream,
        Func<JsonObject, FakeToolCall?>? toolCall,
        bool onlyDefaultTemperature)
    {
        _protocol = protocol;
        _reply = reply;
        _embed = embed;
        _holdStream = holdStream;
        _toolCall = toolCall;
        _onlyDefaultTemperature = onlyDefaultTemperature;
        _app = LoopbackWebApp.CreateBuilder().Build();
        _app.Run(HandleAsync);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public List<(string Path, JsonObject Body)> Requests { get; } = [];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="protocol">The protocol to speak.</param>
    /// <param name="reply">The text of the reply to a chat request.</param>
    /// <param name="embed">The vectors for the inputs of one embeddings request; without it such requests fail.</param>
    /// <param name="holdStream">Awaited, for an OpenAI chat completions stream, after its first piece has been sent and
    /// before the rest, so a test can act while a reply is part-way through.</param>
    /// <param name="toolCall">For OpenAI chat completions: the function the model calls instead of replying with text, or
    /// <see langword="null"/> to reply with text.</param>
    /// <param name="onlyDefaultTemperature">For OpenAI: answer a request that sets a temperature other than 1 with the
    /// HTTP 400 error OpenAI's reasoning models (the o-series, the GPT-5 family) give.</param>
    public static async Task<FakeLlmServer> StartAsync(
        FakeProtocol protocol,
        Func<JsonObject, string> reply,
        Func<IReadOnlyList<string>, float[][]>? embed = null,
        Func<JsonObject, Task>? holdStream = null,
        Func<JsonObject, FakeToolCall?>? toolCall = null,
        bool onlyDefaultTemperature = false)
    {
        var server = new FakeLlmServer(protocol, reply, embed, holdStream, toolCall, onlyDefaultTemperature);
        server.BaseAddress = await LoopbackWebApp.StartAsync(server._app);
        return server;
    }

    /// <summary>The text of every message the request sent (system, user, assistant), decoded from JSON.</summary>
    public static List<(string Role, string Content)> MessagesOf(JsonObject body)
        => [.. body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m!["content"])))];

    /// <summary>The role and text of every input item of an OpenAI responses request.</summary>
    public static List<(string Role, string Content)> InputsOf(JsonObject body)
        => [.. body["input"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m!["content"])))];

    /// <summary>The texts an embeddings request (OpenAI or Ollama) asked to embed.</summary>
    public static List<string> EmbeddingInputsOf(JsonObject body) => body["input"] switch
    {
        JsonArray inputs => [.. inputs.Select(i => i!.GetValue<string>())],
        JsonValue input => [input.GetValue<string>()],
        _ => [],
    };

    public static bool IsEmbeddingsPath(string path) => path.EndsWith("/embeddings", StringComparison.Ordinal) || path.EndsWith("/api/embed", StringComparison.Ordinal);

    public static bool IsStructuredOutputRequest(JsonObject body)
        => body["response_format"]?["type"]?.GetValue<string>() == "json_schema"
            || body["format"] is JsonObject
            || body["text"]?["format"]?["type"]?.GetValue<string>() == "json_schema";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => string.Empty,
    };

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var response = context.Response;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            lock (Requests)
            {
                Requests.Add((path, []));
            }

            await FetchBackgroundResponseAsync(path, response);
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        lock (Requests)
        {
            Requests.Add((path, body));
        }

        if (IsEmbeddingsPath(path))
        {
            if (_embed is null)
            {
                response.StatusCode = 404;
                return;
            }

            response.StatusCode = 200;
            response.ContentType = "application/json";
            var vectors = _embed(EmbeddingInputsOf(body));
            await response.WriteAsync(_protocol == FakeProtocol.OpenAI
                ? OpenAIEmbeddings(vectors, body["encoding_format"]?.GetValue<string>() == "base64")
                : new JsonObject { ["model"] = "embed-test", ["embeddings"] = new JsonArray([.. vectors.Select(Floats)]) }.ToJsonString());
            return;
        }

        if (_onlyDefaultTemperature && _protocol == FakeProtocol.OpenAI && body["temperature"] is JsonValue temperature && temperature.GetValue<double>() != 1)
        {
            response.StatusCode = 400;
            response.ContentType = "application/json";
            await response.WriteAsync(new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["message"] = $"Unsupported value: 'temperature' does not support {temperature.ToJsonString()} with this model. Only the default (1) value is supported.",
                    ["type"] = "invalid_request_error",
                    ["param"] = "temperature",
                    ["code"] = "unsupported_value",
                },
            }.ToJsonString());
            return;
        }

        var stream = body["stream"]?.GetValue<bool>() ?? _protocol == FakeProtocol.Ollama;
        response.StatusCode = 200;
        if (_protocol == FakeProtocol.OpenAI && _toolCall?.Invoke(body) is { } call)
        {
            response.ContentType = stream ? "text/event-stream" : "application/json";
            await response.WriteAsync(stream ? OpenAIToolCallStream(call) : OpenAIResponse(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(ToolCallJson(call)) }, "tool_calls"));
            return;
        }

        var text = _reply(body);
        if (_protocol == FakeProtocol.OpenAI && path.EndsWith("/responses", StringComparison.Ordinal))
        {
            // The OpenAI responses API keeps the conversation: each response gets a new id, which the next request names
            // as previous_response_id.
            var id = $"resp_{Interlocked.Increment(ref _responseCount)}";
            response.ContentType = stream ? "text/event-stream" : "application/json";
            if (!stream && body["background"]?.GetValue<bool>() == true)
            {
                // A background response: queued now, fetched later by its id (GET .../responses/{id}).
                lock (_background)
                {
                    _background[id] = (text, 0);
                }

                await response.WriteAsync(ResponsesResult(id, text, "queued", background: true).ToJsonString());
                return;
            }

            await response.WriteAsync(stream ? ResponsesStream(id, text) : ResponsesResult(id, text, "completed").ToJsonString());
        }
        else if (_protocol == FakeProtocol.OpenAI && stream)
        {
            response.ContentType = "text/event-stream";
            var events = OpenAIStream(text);
            await response.WriteAsync(events[0]);
            if (_holdStream is not null)
            {
                await response.Body.FlushAsync();
                await _holdStream(body);
            }

            await response.WriteAsync(string.Concat(events.Skip(1)));
        }
        else if (_protocol == FakeProtocol.OpenAI)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(OpenAIResponse(new JsonObject { ["role"] = "assistant", ["content"] = text }, "stop"));
        }
        else
        {
            response.ContentType = stream ? "application/x-ndjson" : "application/json";
            await response.WriteAsync(stream ? OllamaStream(text) : OllamaChunk(text, done: true) + "\n");
        }
    }

    // A background response is still in progress when fetched the first time, and completed from the second time on.
    private async Task FetchBackgroundResponseAsync(string path, HttpResponse response)
    {
        var id = path[(path.LastIndexOf('/') + 1)..];
        (string Text, int Fetches) background;
        lock (_background)
        {
            if (!_background.TryGetValue(id, out background))
            {
                response.StatusCode = 404;
                return;
            }

            _background[id] = background = (background.Text, background.Fetches + 1);
        }

        response.StatusCode = 200;
        response.ContentType = "application/json";
        await response.WriteAsync(ResponsesResult(id, background.Text, background.Fetches == 1 ? "in_progress" : "completed", background: true).ToJsonString());
    }

    // The OpenAI client asks for base64 (little-endian float32) unless told otherwise.
    private static string OpenAIEmbeddings(float[][] vectors, bool base64) => new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. vectors.Select((vector, index) => new JsonObject
        {
            ["object"] = "embedding",
            ["index"] = index,
            ["embedding"] = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : Floats(vector),
        })]),
        ["model"] = "embed-test",
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["total_tokens"] = 10 },
    }.ToJsonString();

    private static JsonArray Floats(float[] vector) => new([.. vector.Select(v => JsonValue.Create(v))]);

    private static string OpenAIResponse(JsonObject message, string finishReason) => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = "gpt-test",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
    }.ToJsonString();

    private static JsonObject ResponsesResult(string id, string text, string status, bool background = false) => new()
    {
        ["id"] = id,
        ["object"] = "response",
        ["background"] = background,
        ["created_at"] = 1_700_000_000,
        ["status"] = status,
        ["model"] = "gpt-test",
        ["output"] = status == "completed"
            ? new JsonArray(new JsonObject
            {
                ["type"] = "message",
                ["id"] = "msg_" + id,
                ["status"] = "completed",
                ["role"] = "assistant",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() }),
            })
            : new JsonArray(),
        ["parallel_tool_calls"] = true,
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["usage"] = new JsonObject
        {
            ["input_tokens"] = 10,
            ["output_tokens"] = 5,
            ["total_tokens"] = 15,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        },
    };

    private static string ResponsesStream(string id, string text)
    {
        var builder = new StringBuilder();
        var sequence = 0;
        void Event(JsonObject data)
        {
            data["sequence_number"] = sequence++;
            builder.Append("event: ").Append(data["type"]!.GetValue<string>()).Append('\n')
                .Append("data: ").Append(data.ToJsonString()).Append("\n\n");
        }

        Event(new JsonObject { ["type"] = "response.created", ["response"] = ResponsesResult(id, text, "in_progress") });
        foreach (var piece in Split(text))
        {
            Event(new JsonObject { ["type"] = "response.output_text.delta", ["item_id"] = "msg_" + id, ["output_index"] = 0, ["content_index"] = 0, ["delta"] = piece });
        }

        Event(new JsonObject { ["type"] = "response.completed", ["response"] = ResponsesResult(id, text, "completed") });
        return builder.ToString();
    }

    private static JsonObject ToolCallJson(FakeToolCall call) => new()
    {
        ["id"] = call.Id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
    };

    // One server-sent event of a chat completions stream.
    private static string OpenAIChunk(JsonObject delta, string? finishReason) => "data: " + new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = "gpt-test",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    }.ToJsonString() + "\n\n";

    // The call in one chunk, then a chunk that finishes the choice.
    private static string OpenAIToolCallStream(FakeToolCall call)
    {
        var toolCall = ToolCallJson(call);
        toolCall["index"] = 0;
        return OpenAIChunk(new JsonObject { ["role"] = "assistant", ["tool_calls"] = new JsonArray(toolCall) }, null)
            + OpenAIChunk([], "tool_calls")
            + "data: [DONE]\n\n";
    }

    private static List<string> OpenAIStream(string text)
    {
        var events = new List<string>();
        var pieces = Split(text);
        for (var i = 0; i < pieces.Count; i++)
        {
            var delta = new JsonObject { ["content"] = pieces[i] };
            if (i == 0)
            {
                delta["role"] = "assistant";
            }

            events.Add(OpenAIChunk(delta, i == pieces.Count - 1 ? "stop" : null));
        }

        events.Add("data: [DONE]\n\n");
        return events;
    }

    private static string OllamaStream(string text)
    {
        var builder = new StringBuilder();
        foreach (var piece in Split(text))
        {
            builder.Append(OllamaChunk(piece, done: false)).Append('\n');
        }

        return builder.Append(OllamaChunk(string.Empty, done: true)).Append('\n').ToString();
    }

    private static string OllamaChunk(string text, bool done)
    {
        var chunk = new JsonObject
        {
            ["model"] = "llama-test",
            ["created_at"] = "2026-01-01T00:00:00Z",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["done"] = done,
        };
        if (done)
        {
            chunk["done_reason"] = "stop";
            chunk["total_duration"] = 1000;
            chunk["prompt_eval_count"] = 10;
            chunk["eval_count"] = 5;
        }

        return chunk.ToJsonString();
    }

    private static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (var i = 0; i < text.Length; i += 7)
        {
            pieces.Add(text.Substring(i, Math.Min(7, text.Length - i)));
        }

        return pieces.Count == 0 ? [string.Empty] : pieces;
    }
}
