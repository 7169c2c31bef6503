using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPersona.RealClients.Tests;

/// <summary>A minimal HTTP server on 127.0.0.1 speaking just enough of the OpenAI (chat completions and responses) or
/// Ollama chat protocol for a real client library to talk to it. Every request body is kept for assertions.</summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly FakeProtocol _protocol;
    private readonly Func<JsonObject, string> _reply;
    private int _responseCount;

    public FakeLlmServer(FakeProtocol protocol, Func<JsonObject, string> reply)
    {
        _protocol = protocol;
        _reply = reply;
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseAddress { get; }

    public List<(string Path, JsonObject Body)> Requests { get; } = [];

    /// <summary>The text of every message the request sent (system, user, assistant), decoded from JSON.</summary>
    public static List<(string Role, string Content)> MessagesOf(JsonObject body)
        => [.. body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m!["content"])))];

    /// <summary>The role and text of every input item of an OpenAI responses request.</summary>
    public static List<(string Role, string Content)> InputsOf(JsonObject body)
        => [.. body["input"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m!["content"])))];

    public static bool IsStructuredOutputRequest(JsonObject body)
        => body["response_format"]?["type"]?.GetValue<string>() == "json_schema"
            || body["format"] is JsonObject
            || body["text"]?["format"]?["type"]?.GetValue<string>() == "json_schema";

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => string.Empty,
    };

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        lock (Requests)
        {
            Requests.Add((context.Request.Url!.AbsolutePath, body));
        }

        var text = _reply(body);
        var stream = body["stream"]?.GetValue<bool>() ?? _protocol == FakeProtocol.Ollama;
        var response = context.Response;
        response.StatusCode = 200;
        if (_protocol == FakeProtocol.OpenAI && context.Request.Url!.AbsolutePath.EndsWith("/responses", StringComparison.Ordinal))
        {
            // The OpenAI responses API keeps the conversation: each response gets a new id, which the next request names
            // as previous_response_id.
            var id = $"resp_{Interlocked.Increment(ref _responseCount)}";
            response.ContentType = stream ? "text/event-stream" : "application/json";
            await WriteAsync(response, stream ? ResponsesStream(id, text) : ResponsesResult(id, text, "completed").ToJsonString());
        }
        else if (_protocol == FakeProtocol.OpenAI)
        {
            response.ContentType = stream ? "text/event-stream" : "application/json";
            await WriteAsync(response, stream ? OpenAIStream(text) : OpenAIResponse(text));
        }
        else
        {
            response.ContentType = stream ? "application/x-ndjson" : "application/json";
            await WriteAsync(response, stream ? OllamaStream(text) : OllamaChunk(text, done: true) + "\n");
        }

        response.Close();
    }

    private static async Task WriteAsync(HttpListenerResponse response, string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        await response.OutputStream.WriteAsync(bytes);
    }

    private static string OpenAIResponse(string text) => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = "gpt-test",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
    }.ToJsonString();

    private static JsonObject ResponsesResult(string id, string text, string status) => new()
    {
        ["id"] = id,
        ["object"] = "response",
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

    private static string OpenAIStream(string text)
    {
        var builder = new StringBuilder();
        var pieces = Split(text);
        for (var i = 0; i < pieces.Count; i++)
        {
            var delta = new JsonObject { ["content"] = pieces[i] };
            if (i == 0)
            {
                delta["role"] = "assistant";
            }

            var chunk = new JsonObject
            {
                ["id"] = "chatcmpl-1",
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = "gpt-test",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = delta,
                    ["finish_reason"] = i == pieces.Count - 1 ? "stop" : null,
                }),
            };
            builder.Append("data: ").Append(chunk.ToJsonString()).Append("\n\n");
        }

        return builder.Append("data: [DONE]\n\n").ToString();
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
