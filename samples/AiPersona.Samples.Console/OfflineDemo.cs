using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiPersona.Samples.Console;

/// <summary>The offline run: a scripted user chats with the simulated model; each run plays the next three sessions.</summary>
internal static class OfflineDemo
{
    public static async Task<int> RunAsync(IServiceProvider services, string userId, string dataDirectory)
    {
        var client = services.GetRequiredService<IChatClient>();
        var personalized = client.GetService<PersonalizedChatClient>()!;
        var store = services.GetRequiredService<IPersonaStore>();
        var sessionManager = services.GetRequiredService<ISessionManager>();
        var schema = services.GetRequiredService<IOptions<AiPersonaOptions>>().Value.Schema;

        System.Console.WriteLine($"{SimulatedModel.Label} No OPENAI_API_KEY or OLLAMA_ENDPOINT is set, so this run is an offline simulation:");
        System.Console.WriteLine("the \"model\" and the \"persona optimizer\" are deterministic scripts that exercise the pipeline; they say nothing about quality.");
        System.Console.WriteLine($"Data is kept in {dataDirectory}; run again to continue the story, delete the folder to start over.");

        var played = (await sessionManager.GetSessionsAsync(userId)).Count;
        if (played >= ScriptedJourney.Sessions.Count)
        {
            PersonaPrinter.Persona(await store.GetAsync(userId), schema, "Final");
            System.Console.WriteLine($"\nThe scripted journey is complete ({played} sessions). Delete {dataDirectory} to start over.");
            return 0;
        }

        var before = await store.GetAsync(userId);
        PersonaPrinter.Persona(before, schema, "Before");
        var chapterEnd = Math.Min(ScriptedJourney.Sessions.Count, (played / ScriptedJourney.SessionsPerChapter + 1) * ScriptedJourney.SessionsPerChapter);
        for (var index = played; index < chapterEnd; index++)
        {
            System.Console.WriteLine($"\n── Session {index + 1} of {ScriptedJourney.Sessions.Count} ──");
            var history = new List<ChatMessage>();
            var options = new ChatOptions { ConversationId = $"script-{index + 1}" }.WithPersonaUser(userId);
            foreach (var line in ScriptedJourney.Sessions[index])
            {
                history.Add(new ChatMessage(ChatRole.User, line));
                System.Console.WriteLine($"   user:      {line}");
                var response = await client.GetResponseAsync(history, options);
                history.AddRange(response.Messages);
                System.Console.WriteLine($"   assistant: {response.Text}");
            }

            // Inline update mode: ending the k-th session runs the optimizer before this call returns.
            await personalized.EndSessionAsync(userId);
        }

        var after = await store.GetAsync(userId);
        PersonaPrinter.Persona(after, schema, "After");
        System.Console.WriteLine("\n── Revisions made in this run ──");
        var history2 = await store.GetHistoryAsync(userId);
        PersonaPrinter.Diff(history2.Where(r => r.Version > before.Version), await sessionManager.GetSessionsAsync(userId));
        return 0;
    }
}
