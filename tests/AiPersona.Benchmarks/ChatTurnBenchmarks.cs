using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Benchmarks;

/// <summary>What <see cref="PersonalizedChatClient"/> adds to one chat turn: resolving the user, the cached persona
/// text, and recording the turn with the session manager, on each storage backend.</summary>
/// <remarks>
/// The baseline sends the same conversation to the same free, instant model without personalization, so the ratio is the
/// library's own cost; a real model call (hundreds of milliseconds) is not part of either side. Each iteration starts from
/// fresh storage holding <see cref="Users"/> users, each with a 16-field persona and an open session of
/// <see cref="HistoryMessages"/> messages (seeded, and the persona cache warmed, outside the measurement); it then measures
/// <see cref="TurnsPerUser"/> more turns per user, each resending the whole conversation as chat apps do.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ChatTurnBenchmarks
{
    private const int Users = 32;
    private const int TurnsPerUser = 2;

    private string[] _userIds = [];
    private List<ChatMessage>[] _conversations = [];
    private ChatOptions[] _options = [];
    private ServiceProvider? _services;
    private IChatClient _client = null!;
    private string? _directory;
    private int _turn;

    /// <summary>Gets or sets the storage backend.</summary>
    [Params(StoreKind.InMemory, StoreKind.FileSystem, StoreKind.Sqlite)]
    public StoreKind Store { get; set; }

    /// <summary>Gets or sets how many messages the session already holds when the measured turns start.</summary>
    [Params(4, 40)]
    public int HistoryMessages { get; set; }

    /// <summary>Seeds the stores for the baseline (the seeded data is unused, so both sides do the same set-up work).</summary>
    [IterationSetup(Target = nameof(WithoutPersonalization))]
    public void SetUpBaseline() => SetUp(personalized: false);

    /// <summary>Seeds the stores and warms the persona cache.</summary>
    [IterationSetup(Target = nameof(Personalized))]
    public void SetUpPersonalized() => SetUp(personalized: true);

    /// <summary>Disposes the services and deletes the iteration's files.</summary>
    [IterationCleanup]
    public void CleanUp()
    {
        _services?.Dispose();
        _services = null;
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            _directory = null;
        }
    }

    /// <summary>One turn sent straight to the model.</summary>
    /// <returns>The response.</returns>
    [Benchmark(Baseline = true)]
    public Task<ChatResponse> WithoutPersonalization() => NextTurnAsync();

    /// <summary>One turn through <see cref="PersonalizedChatClient"/>.</summary>
    /// <returns>The response.</returns>
    [Benchmark]
    public Task<ChatResponse> Personalized() => NextTurnAsync();

    private async Task<ChatResponse> NextTurnAsync()
    {
        var index = _turn++ % Users;
        var conversation = _conversations[index];
        conversation.Add(new ChatMessage(ChatRole.User, $"Follow-up question number {conversation.Count} about my trip."));
        var response = await _client.GetResponseAsync(conversation, _options[index]);
        conversation.AddRange(response.Messages);
        return response;
    }

    private void SetUp(bool personalized)
    {
        var services = new ServiceCollection();
        var persona = services.AddAiPersona();
        _directory = Store == StoreKind.InMemory ? null : Directory.CreateTempSubdirectory("aipersona-bench-").FullName;
        if (Store == StoreKind.FileSystem)
        {
            persona.UseFileSystemStorage(_directory!);
        }
        else if (Store == StoreKind.Sqlite)
        {
            persona.UseSqlite($"Data Source={Path.Combine(_directory!, "aipersona.db")}");
        }

        var builder = services.AddChatClient(new FixedReplyChatClient());
        if (personalized)
        {
            builder.UsePersonalization();
        }

        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<IChatClient>();
        _userIds = [.. Enumerable.Range(0, Users).Select(static i => $"user-{i:D3}")];
        _options = [.. _userIds.Select(static id => new ChatOptions { ConversationId = "trip-planning" }.WithPersonaUser(id))];
        _conversations = new List<ChatMessage>[Users];
        _turn = 0;
        SeedAsync().GetAwaiter().GetResult();
    }

    private async Task SeedAsync()
    {
        var services = _services!;
        var store = services.GetRequiredService<IPersonaStore>();
        for (var i = 0; i < Users; i++)
        {
            await store.SaveAsync(Persona.CreateEmpty(_userIds[i]).ApplyEdits(BenchmarkPersonas.Edits(i), DateTimeOffset.UtcNow));

            // The opening turn records the history as the session's first messages and loads the persona into the cache.
            var conversation = new List<ChatMessage>();
            for (var m = 0; m < HistoryMessages - 1; m++)
            {
                conversation.Add(m % 2 == 0
                    ? new ChatMessage(ChatRole.User, $"Earlier question {m}: which museums open late on Fridays near the river?")
                    : new ChatMessage(ChatRole.Assistant, $"Earlier answer {m}: three museums open until ten; the modern art one is closest."));
            }

            var response = await _client.GetResponseAsync(conversation, _options[i]);
            conversation.AddRange(response.Messages);
            _conversations[i] = conversation;
        }

        // Start-up recovery scans the store in the background on first use: let it finish before measuring.
        await services.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync();
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // Iteration set-up rebuilds the stores, so every iteration measures a fixed number of turns from the same state.
            AddJob(Job.Default.WithInvocationCount(Users * TurnsPerUser).WithUnrollFactor(1));
            SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(BenchmarkDotNet.Columns.RatioStyle.Trend);
        }
    }
}
