using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiPersona.Tests.Differential.Differential;

namespace AiPersona.Tests.Differential;

/// <summary>
/// Plays one seeded random sequence of what users and apps do through the whole pipeline — a
/// <see cref="PersonalizedChatClient"/> with inline persona updates over a scripted chat model and a scripted optimizer
/// (<see cref="FakeModels"/>) — on the in-memory backend (the reference) and on the backend under test, and requires the
/// same from both after every step: the messages the chat model received (the persona each request carried), the replies,
/// the optimizer calls, and every stored session and persona. The steps: users chatting in several conversations (whole
/// history resent or only the new message, streamed or not, now and then private or unpersonalized, saying what they like
/// in awkward text), sessions ended by the app and by the idle timeout, the app's own edits, a field, a session or the
/// whole user forgotten, and the app restarted (the backend under test only).
/// </summary>
internal static partial class ChatSequence
{
    private const int Steps = 150;
    private static readonly string[] Likes = ["tea", "jazz", "chess", "hiking", "sushi"];

    /// <summary>Runs the sequence of one seed against the storage <paramref name="useStorage"/> configures, learning every
    /// <paramref name="sessionsPerUpdate"/> sessions.</summary>
    public static async Task RunAsync(int seed, Action<IAiPersonaBuilder> useStorage, int sessionsPerUpdate)
    {
        var random = new Random(seed);
        var clients = new Dictionary<(string User, int Slot), List<ChatMessage>>();
        var log = new List<string>();
        await using var reference = new Models(static _ => { }, sessionsPerUpdate);
        await using var tested = new Models(useStorage, sessionsPerUpdate);
        for (var step = 1; step <= Steps; step++)
        {
            var operation = Next(random, clients, step);
            log.Add(operation.ToString());
            var (result, _) = await StepAsync(seed, log, reference, tested, operation.RunAsync, DescribeAsync);

            operation.Apply(clients, result);
            if (random.Next(40) == 0)
            {
                log.Add("restart");
                await tested.App.RestartAsync();
            }
        }

        // The persona must have been learned, and sent with requests, or the sequence proves little.
        Assert.True(reference.Optimizer.Calls.Count >= 3, $"the optimizer ran {reference.Optimizer.Calls.Count} times");
        Assert.Contains(reference.Chat.Calls, call => call.Messages.Any(m => m.Role == ChatRole.System && m.Text.Contains("values_and_interests", StringComparison.Ordinal)));
        var steps = string.Join('\n', log);
        foreach (var kind in new[] { "chat ", "stream ", "private ", "unpersonalized ", "end ", "wait ", "edit ", "forget-field ", "forget-session ", "forget-user ", "restart" })
        {
            Assert.Contains(kind, steps, StringComparison.Ordinal);
        }
    }

    private static Operation Next(Random random, Dictionary<(string User, int Slot), List<ChatMessage>> clients, int step)
    {
        var user = PickUser(random);
        var pause = TimeSpan.FromSeconds(random.Next(1, 30));
        switch (random.Next(100))
        {
            case < 70:
                var slot = random.Next(4); // slot 0 sends no conversation id
                var history = clients.TryGetValue((user, slot), out var known) ? known : [];
                var said = random.Next(3) == 0 ? $"hello {step}" : $"I like {Likes[random.Next(Likes.Length)]}{step}";
                ChatMessage message = new(ChatRole.User, said + MaybeAwkward(random, 6));
                List<ChatMessage> request = random.Next(5) == 0 ? [message] : [.. history, message];
                var mode = random.Next(100) switch { < 5 => PersonalizationMode.Private, < 10 => PersonalizationMode.Disabled, _ => PersonalizationMode.Enabled };
                return new Operation(random.Next(3) == 0 ? OperationKind.Stream : OperationKind.Chat, user, pause)
                {
                    Slot = slot,
                    Request = request,
                    Mode = mode,
                };
            case < 80:
                return new Operation(OperationKind.End, user, pause);
            case < 88:
                return new Operation(OperationKind.Wait, user, TimeSpan.FromMinutes(random.Next(20, 180)));
            case < 92:
                return new Operation(OperationKind.Edit, user, pause) { Pick = random.Next(3) };
            case < 95:
                return new Operation(OperationKind.ForgetField, user, pause);
            case < 97:
                return new Operation(OperationKind.ForgetSession, user, pause) { Pick = random.Next(100) };
            default:
                return new Operation(OperationKind.ForgetUser, user, pause);
        }
    }

    // Session ids are version 7 GUIDs: the time they hold is the same on every backend (the clocks advance alike), the
    // rest is random. The persona names its sessions by that time alone.
    private static async Task<string> DescribeAsync(Models models)
        => $"optimizer calls: {models.Optimizer.Calls.Count}\n{await SessionSequence.DescribeAsync(models.App)}\n"
            + SessionIdPattern().Replace(await PersonaSequence.DescribeAsync(models.App), "session@$1");

    [GeneratedRegex("\\b([0-9a-f]{12})[0-9a-f]{20}\\b")]
    private static partial Regex SessionIdPattern();

    private enum OperationKind
    {
        Chat,
        Stream,
        End,
        Wait,
        Edit,
        ForgetField,
        ForgetSession,
        ForgetUser,
    }

    // An app with its own scripted models, which count their calls, on its own storage.
    private sealed class Models : IAsyncDisposable
    {
        public Models(Action<IAiPersonaBuilder> useStorage, int sessionsPerUpdate)
        {
            App = new DifferentialApp(
                useStorage,
                services =>
                {
                    services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, Optimizer);
                    services.AddChatClient(Chat).UsePersonalization();
                },
                sessionsPerUpdate);
        }

        public TestChatClient Chat { get; } = FakeModels.Chat();

        public TestChatClient Optimizer { get; } = FakeModels.Optimizer();

        public DifferentialApp App { get; }

        public IChatClient Client => App.Services.GetRequiredService<IChatClient>();

        public PersonalizedChatClient Personalized => Client.GetService<PersonalizedChatClient>()!;

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private sealed record Operation(OperationKind Kind, string User, TimeSpan Pause)
    {
        public int Slot { get; init; }

        public IReadOnlyList<ChatMessage> Request { get; init; } = [];

        public PersonalizationMode Mode { get; init; }

        public int Pick { get; init; }

        public async Task<string> RunAsync(Models models)
        {
            models.App.Time.Advance(Pause);
            var personalized = models.Personalized;
            switch (Kind)
            {
                case OperationKind.Chat or OperationKind.Stream:
                    var options = new ChatOptions { ConversationId = Slot == 0 ? null : $"c{Slot}" }.WithPersonaUser(User).WithPersonalization(Mode);
                    string reply;
                    if (Kind == OperationKind.Chat)
                    {
                        reply = (await models.Client.GetResponseAsync(Request, options)).Text;
                    }
                    else
                    {
                        var text = new StringBuilder();
                        await foreach (var update in models.Client.GetStreamingResponseAsync(Request, options))
                        {
                            text.Append(update.Text);
                        }

                        reply = text.ToString();
                    }

                    var sent = models.Chat.Calls[^1].Messages.Select(static m => $"{m.Role}: {Escape(m.Text)}");
                    return $"{reply}\nthe model received: {string.Join(" | ", sent)}";
                case OperationKind.End:
                    await personalized.EndSessionAsync(User);
                    return "ended";
                case OperationKind.Wait:
                    return "waited";
                case OperationKind.Edit:
                    // The user corrects the persona in a settings page.
                    PersonaEdit edit = Pick switch
                    {
                        0 => PersonaEdit.Set("demographics", "career", $"career at {Seconds(models.App.Time.GetUtcNow())}"),
                        1 => PersonaEdit.Set("personality", "values_and_interests", "nothing in particular"),
                        _ => PersonaEdit.Remove("personality", "values_and_interests"),
                    };
                    return $"saved v{(await personalized.EditPersonaAsync(User, [edit])).Version}";
                case OperationKind.ForgetField:
                    var sources = await personalized.ForgetFieldAsync(User, "personality", "values_and_interests");
                    return $"learned from {string.Join(',', await Task.WhenAll(sources.Select(id => SessionSequence.PositionAsync(models.App, User, id))))}";
                case OperationKind.ForgetSession:
                    var sessions = await SessionSequence.SessionsInOrderAsync(models.App, User);
                    var id = Pick % (sessions.Count + 1) < sessions.Count ? sessions[Pick % (sessions.Count + 1)].Id : "no-such-session";
                    return $"forgotten {await personalized.ForgetSessionAsync(User, id)}";
                default:
                    await personalized.ForgetUserAsync(User);
                    return "forgotten";
            }
        }

        // The client keeps the conversation, the reply included; a private one too (the app shows it), and it starts over
        // once the user is forgotten.
        public void Apply(Dictionary<(string User, int Slot), List<ChatMessage>> clients, string result)
        {
            if (Kind is OperationKind.Chat or OperationKind.Stream)
            {
                var history = clients.TryGetValue((User, Slot), out var known) ? known : [];
                clients[(User, Slot)] = [.. history, Request[^1], new ChatMessage(ChatRole.Assistant, result[..result.IndexOf('\n', StringComparison.Ordinal)])];
            }
            else if (Kind == OperationKind.ForgetUser)
            {
                foreach (var key in clients.Keys.Where(k => k.User == User).ToList())
                {
                    clients.Remove(key);
                }
            }
        }

        public override string ToString()
        {
            var who = $"user {Array.IndexOf(Users, User)}";
            return Kind switch
            {
                OperationKind.Chat or OperationKind.Stream => $"{(Mode == PersonalizationMode.Private ? "private " : Mode == PersonalizationMode.Disabled ? "unpersonalized " : string.Empty)}{(Kind == OperationKind.Chat ? "chat" : "stream")} {who} in {(Slot == 0 ? "a conversation without id" : $"c{Slot}")}: {Escape(Request[^1].Text)} ({Request.Count - 1} resent)",
                OperationKind.Wait => $"wait {Pause.TotalMinutes} min",
                OperationKind.Edit => $"edit {who} ({Pick})",
                OperationKind.ForgetField => $"forget-field {who}",
                OperationKind.ForgetSession => $"forget-session {who} ({Pick})",
                OperationKind.End => $"end {who}",
                _ => $"forget-user {who}",
            };
        }
    }
}
