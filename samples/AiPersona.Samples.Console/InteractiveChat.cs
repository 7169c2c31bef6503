using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiPersona.Samples.Console;

/// <summary>The online run: an interactive chat with a real model that learns about the user across sessions.</summary>
internal static class InteractiveChat
{
    private const string Help = """
        Commands: /persona  show what the assistant believes about you
                  /history  every change of the persona, with reasons
                  /why section.field  why a value is believed, with the evidence
                  /set section.field value   correct a value yourself;  /unset section.field  remove one
                  /end      end this session (every 3 ended sessions update the persona)
                  /export file.json  write everything stored about you (persona, history, sessions) to a new file
                  /forget section.field  forget one value: it and its history are deleted
                  /forget   delete your persona, its history and your sessions
                  /quit     end the session and leave
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string userId, string provider)
    {
        var client = services.GetRequiredService<IChatClient>();
        var personalized = client.GetService<PersonalizedChatClient>()!;
        var store = services.GetRequiredService<IPersonaStore>();
        var sessions = services.GetRequiredService<ISessionManager>();
        var scheduler = services.GetRequiredService<PersonaUpdateScheduler>();
        var schema = services.GetRequiredService<IOptions<AiPersonaOptions>>().Value.Schema;

        System.Console.WriteLine($"Chatting as '{userId}' with {provider}. {Help}");
        var history = new List<ChatMessage>();
        var conversation = Guid.NewGuid().ToString("N");
        while (true)
        {
            System.Console.Write("\nyou> ");
            var line = System.Console.ReadLine();
            if (line is null || line.Trim() == "/quit")
            {
                await EndAsync();
                return 0;
            }

            switch (line.Trim().Split(' ', 2))
            {
                case ["/persona"]:
                    PersonaPrinter.Persona(await store.GetAsync(userId), schema, "Now");
                    continue;
                case ["/history"]:
                    PersonaPrinter.Diff(await store.GetHistoryAsync(userId), await sessions.GetSessionsAsync(userId));
                    continue;
                case ["/why", var path]:
                    PersonaPrinter.Why(await store.GetAsync(userId), path.Trim(), await sessions.GetSessionsAsync(userId));
                    continue;
                case ["/set", var rest] when rest.Trim().Split(' ', 2) is [var path, var value] && SplitPath(path) is var (section, field):
                    try
                    {
                        await personalized.EditPersonaAsync(userId, [PersonaEdit.Set(section, field, value.Trim(), "set by the user")]);
                        System.Console.WriteLine($"{section}.{field} is now \"{value.Trim()}\"; your next message carries it.");
                    }
                    catch (ArgumentException ex)
                    {
                        System.Console.WriteLine(ex.Message); // a never-store field, say
                    }

                    continue;
                case ["/unset", var path] when SplitPath(path) is var (section, field):
                    try
                    {
                        await personalized.EditPersonaAsync(userId, [PersonaEdit.Remove(section, field, "removed by the user")]);
                        System.Console.WriteLine($"{section}.{field} is removed.");
                    }
                    catch (ArgumentException ex)
                    {
                        System.Console.WriteLine(ex.Message);
                    }

                    continue;
                case ["/set" or "/unset", ..]:
                    System.Console.WriteLine("Usage: /set section.field value   or   /unset section.field");
                    continue;
                case ["/end"]:
                    await EndAsync();
                    history.Clear();
                    conversation = Guid.NewGuid().ToString("N");
                    System.Console.WriteLine("Session ended; a new one starts with your next message.");
                    continue;
                case ["/export", var file]:
                    try
                    {
                        var export = await personalized.ExportUserAsync(userId);
                        // CreateNew: an export never overwrites a file that is already there.
                        await using (var stream = new FileStream(file.Trim(), FileMode.CreateNew, FileAccess.Write))
                        {
                            await export.WriteJsonAsync(stream);
                        }

                        System.Console.WriteLine($"Your data ({export.Sessions.Count} session(s), {export.History.Count} change(s) of the persona) is in {Path.GetFullPath(file.Trim())}.");
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                    {
                        System.Console.WriteLine($"Could not write '{file.Trim()}': {ex.Message}");
                    }

                    continue;
                case ["/export"]:
                    System.Console.WriteLine("Usage: /export file.json");
                    continue;
                case ["/forget", var path] when SplitPath(path) is var (section, field):
                    try
                    {
                        var learnedFrom = await personalized.ForgetFieldAsync(userId, section, field);
                        System.Console.WriteLine($"{section}.{field} and its history are deleted. It was learned from {learnedFrom.Count} session(s), whose transcripts are kept.");
                    }
                    catch (ArgumentException ex)
                    {
                        System.Console.WriteLine(ex.Message);
                    }

                    continue;
                case ["/forget"]:
                    await personalized.ForgetUserAsync(userId); // waits for an update that is running
                    history.Clear();
                    conversation = Guid.NewGuid().ToString("N");
                    System.Console.WriteLine($"Everything stored about '{userId}' is deleted; the next message starts afresh.");
                    continue;
                case [""]:
                    continue;
                case [var command, ..] when command.StartsWith('/'):
                    // A mistyped command ("/forget name", "/why") is never sent to the model, nor stored as something the user said.
                    System.Console.WriteLine($"'{line.Trim()}' is not a command this chat knows, or lacks its argument (section.field).");
                    System.Console.WriteLine(Help);
                    continue;
            }

            history.Add(new ChatMessage(ChatRole.User, line));
            var options = new ChatOptions { ConversationId = conversation }.WithPersonaUser(userId);
            var updates = new List<ChatResponseUpdate>();
            System.Console.Write("assistant> ");
            try
            {
                await foreach (var update in client.GetStreamingResponseAsync(history, options))
                {
                    updates.Add(update);
                    System.Console.Write(update.Text);
                }
            }
            catch (Exception ex) when (ModelCallFailures.Is(ex))
            {
                // A failed stream records nothing; drop the message so it can be sent again.
                System.Console.WriteLine($"\nThe model call failed: {ModelCallFailures.Describe(ex)}");
                history.RemoveAt(history.Count - 1);
                continue;
            }

            System.Console.WriteLine();
            history.AddRange(updates.ToChatResponse().Messages);
        }

        static (string Section, string Field)? SplitPath(string path)
            => path.Trim().Split('.', 2) is [var section, var field] && section.Length > 0 && field.Length > 0 ? (section, field) : null;

        async Task EndAsync()
        {
            var before = (await store.GetAsync(userId)).Version;
            await personalized.EndSessionAsync(userId);
            await scheduler.WhenIdleAsync();
            var after = await store.GetAsync(userId);
            if (after.Version != before)
            {
                System.Console.WriteLine("The persona was updated:");
                PersonaPrinter.Diff((await store.GetHistoryAsync(userId)).Where(r => r.Version > before), await sessions.GetSessionsAsync(userId));
            }
        }
    }
}
