using System.ClientModel;
using System.Text.Json.Nodes;
using AiPersona.Evaluation;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AiPersona.RealClients.Tests;

/// <summary>PersonaBench with the real OpenAI client for every role, against the fake server: the JSON answer format
/// reaches the wire, and the judges', simulated user's and optimizer's replies drive the report.</summary>
public sealed class PersonaBenchRealClientTests
{
    [Fact]
    public async Task EveryRoleTalksToTheServer_AndItsAnswersMakeTheReport()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeProtocol.OpenAI, Reply);
        var client = new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1/") })
            .GetChatClient("gpt-test")
            .AsIChatClient();
        var dataset = BenchmarkDataset.LoadMini().Take(1, 2);

        var report = await new PersonaBenchRunner(PersonaBenchModels.UseOneModel(client, "fake server"))
            .RunAsync(dataset, [BenchmarkSetting.NoPersona, BenchmarkSetting.Learning(1)]);

        Assert.Equal(4, report.Sessions.Count);
        Assert.All(report.Sessions, s => Assert.Equal((7.0, 5.0, 2, true), (s.Helpfulness!.Value, s.Personalization!.Value, s.Utterances, s.Satisfied)));
        Assert.All(report.Sessions, s => Assert.True(s.InputTokens > 0));
        var persona = Assert.Single(report.Personas);
        Assert.Equal((6.0, 4.0, 5.0), (persona.Consistency!.Value, persona.Detail!.Value, persona.Similarity!.Value));
        Assert.Contains("Prefers very short answers", persona.LearnedPersona, StringComparison.Ordinal);

        List<(string Path, JsonObject Body)> requests;
        lock (server.Requests)
        {
            requests = [.. server.Requests];
        }

        // Judges and the simulated user asked for JSON; the optimizer for a JSON schema.
        Assert.All(requests.Where(r => PersonaBenchRoles.Of(r.Body) is "judge" or "user"), r => Assert.Equal("json_object", r.Body["response_format"]?["type"]?.GetValue<string>()));
        Assert.Contains(requests, r => r.Body["response_format"]?["type"]?.GetValue<string>() == "json_schema");

        // The assistant got the scene's APIs as tools, and in the learning run the second scene carried the learned persona.
        var assistantRequests = requests.Where(r => PersonaBenchRoles.Of(r.Body) == "assistant").ToList();
        var apiNames = dataset.Personas[0].Scenes.SelectMany(s => s.Apis).Select(a => a.Name).ToHashSet();
        Assert.All(assistantRequests, r =>
        {
            var tools = r.Body["tools"]!.AsArray();
            Assert.NotEmpty(tools);
            Assert.All(tools, t => Assert.Contains(t!["function"]!["name"]!.GetValue<string>(), apiNames));
        });
        Assert.Contains(assistantRequests, r => FakeLlmServer.MessagesOf(r.Body).Any(m => m.Content.Contains("Prefers very short answers", StringComparison.Ordinal)));
    }

    private static string Reply(JsonObject body)
    {
        var messages = FakeLlmServer.MessagesOf(body);
        var text = string.Join("\n", messages.Select(m => m.Content));
        return PersonaBenchRoles.Of(body) switch
        {
            // Unsatisfied with the first reply, satisfied with the second: two utterances per session.
            "user" => messages.Count(m => m.Role == "user") == 1 ? """{"satisfied": false, "reply": "Shorter, please."}""" : """{"satisfied": true}""",
            "judge" when text.Contains("You compare a persona", StringComparison.Ordinal) => """{"consistency": 6, "detail": 4, "rationale": "partial"}""",
            "judge" => """{"helpfulness": 7, "personalization": 5, "rationale": "fine"}""",
            "tool" => """{"status": "ok"}""",
            "optimizer" => """{"edits":[{"section":"preferences","field":"formats","action":"set","value":"Prefers very short answers","reason":"asked","sessions":["S1"]}]}""",
            _ => "Here is a suggestion.",
        };
    }
}
