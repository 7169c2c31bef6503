using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AiPersona.Tests;

/// <summary>Deterministic stand-ins for the chat model and the optimizer model.</summary>
public static partial class FakeModels
{
    /// <summary>A chat model that answers "reply N" and records every request.</summary>
    public static TestChatClient Chat()
    {
        var count = 0;
        var client = new TestChatClient();
        client.GetResponseAsyncCallback = (_, _, _) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"reply {Interlocked.Increment(ref count)}")));
        client.GetStreamingResponseAsyncCallback = (_, _, ct) => Stream($"reply {Interlocked.Increment(ref count)}", ct);
        return client;
    }

    /// <summary>An optimizer model that learns every "I like X" statement of the sessions it is shown into
    /// values_and_interests, citing every session, and counts its runs.</summary>
    public static TestChatClient Optimizer()
    {
        var client = new TestChatClient();
        client.GetResponseAsyncCallback = (messages, options, _) =>
        {
            Assert.IsType<ChatResponseFormatJson>(options?.ResponseFormat);
            var prompt = messages[^1].Text;
            var likes = LikePattern().Matches(prompt).Select(m => m.Groups[1].Value).ToList();
            var labels = LabelPattern().Matches(prompt).Select(m => m.Groups[1].Value).ToList();
            var current = CurrentLikes().Match(prompt);
            if (current.Success)
            {
                likes.InsertRange(0, current.Groups[1].Value.Split(", "));
            }

            var value = Json(string.Join(", ", likes.Distinct()));
            var sessions = "[" + string.Join(",", labels.Select(Json)) + "]";
            var edits = likes.Count == 0
                ? "[]"
                : $$"""[{"section":"personality","field":"values_and_interests","action":"set","value":{{value}},"reason":"stated","sessions":{{sessions}}}]""";
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $$"""{"edits":{{edits}}}""")));
        };
        return client;
    }

    public static string Json(string text) => JsonSerializer.Serialize(text, AiPersonaJsonContext.Default.String);

    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(string text, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var word in text.Split(' '))
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word == text.Split(' ')[0] ? word : " " + word) { MessageId = "m1" };
        }
    }

    [GeneratedRegex(@"user: I like (\w+)")]
    private static partial Regex LikePattern();

    [GeneratedRegex(@"### (S\d+)")]
    private static partial Regex LabelPattern();

    [GeneratedRegex("personality\\.values_and_interests: \"([^\"]*)\"")]
    private static partial Regex CurrentLikes();
}
