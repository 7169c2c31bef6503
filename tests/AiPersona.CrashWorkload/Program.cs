// The crash workload: users chat through a PersonalizedChatClient (background persona updates, as apps run it) on a
// durable store until the test kills the process, at any moment, with SIGKILL. Run again on the same store and journal,
// it goes on from where it stopped; the run that is not killed ends every user's last session, waits until everything
// is learned and prints "DONE". CrashRecoveryTests then checks the store: no session lost or stored twice, every
// message the user sent kept once, every session learned exactly once.
using AiPersona;
using AiPersona.CrashWorkload;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

WorkloadArguments arguments;
try
{
    arguments = WorkloadArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// A lease a killed update left behind expires after this: the optimizer's timeout and the 30-second grace fit in it.
var lease = TimeSpan.FromSeconds(35);
var services = new ServiceCollection();
services.AddLogging(logging => logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
services.AddSingleton<IPersonaOptimizer, TallyOptimizer>();
var persona = services.AddAiPersona(o =>
{
    o.Schema = WorkloadScript.CreateSchema();
    o.SessionsPerUpdate = WorkloadScript.SessionsPerUpdate;
    o.OptimizerTimeout = TimeSpan.FromSeconds(3);
});
_ = arguments.Backend switch
{
    "filesystem" => persona.UseFileSystemStorage(arguments.Store),
    "sqlite" => persona.UseSqlite(arguments.Store, o => o.UpdateLeaseDuration = lease),
    _ => persona.UsePostgreSql(arguments.Store, o =>
    {
        o.SchemaName = arguments.Schema ?? o.SchemaName;
        o.UpdateLeaseDuration = lease;
    }),
};

// The backend's persona store, wrapped to say when it saved.
var backendStore = services.Last(static d => d.ServiceType == typeof(IPersonaStore));
services.Remove(backendStore);
var backendFactory = backendStore.ImplementationFactory
    ?? throw new InvalidOperationException("The storage registered its persona store without a factory; the workload cannot wrap it.");
services.AddSingleton<IPersonaStore>(sp => new AnnouncingPersonaStore((IPersonaStore)backendFactory(sp)));
services.AddChatClient(new EchoChatClient()).UsePersonalization();

await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();
using var journal = Journal.Open(arguments.JournalPath);
Console.WriteLine("started");

await Task.WhenAll(Enumerable.Range(0, arguments.Users).Select(user => Task.Run(async () =>
{
    var userId = WorkloadScript.UserId(user);
    var random = new Random(HashCode.Combine(arguments.Seed, user));
    var done = journal.LastDone(userId);
    for (var session = 1; session <= arguments.Sessions; session++)
    {
        for (var turn = 1; turn <= arguments.Turns; turn++)
        {
            if ((session, turn).CompareTo(done) <= 0)
            {
                continue;
            }

            var options = new ChatOptions { ConversationId = WorkloadScript.ConversationId(session) }.WithPersonaUser(userId);
            await chat.GetResponseAsync(WorkloadScript.Conversation(userId, session, turn), options);
            journal.Record(userId, session, turn);
            Console.WriteLine($"turn {userId} {session} {turn}");
            await Task.Delay(random.Next(0, 6));
        }
    }
})));

// Every user's last session ends; then every pending session is learned. A lease that a killed run left holds its user
// back until it expires.
var personalized = chat.GetService<PersonalizedChatClient>()!;
var scheduler = provider.GetRequiredService<PersonaUpdateScheduler>();
var sessions = provider.GetRequiredService<ISessionManager>();
var users = Enumerable.Range(0, arguments.Users).Select(WorkloadScript.UserId).ToList();
foreach (var userId in users)
{
    await personalized.EndSessionAsync(userId);
}

var patience = lease + TimeSpan.FromSeconds(30);
var giveUpAt = DateTimeOffset.UtcNow + patience;
while (true)
{
    await scheduler.RecoverAsync();
    await scheduler.WhenIdleAsync();
    var pending = new List<string>();
    foreach (var userId in users)
    {
        if (await sessions.CountPendingSessionsAsync(userId) is var count and > 0)
        {
            pending.Add($"{userId}: {count}");
        }
    }

    if (pending.Count == 0)
    {
        break;
    }

    if (DateTimeOffset.UtcNow > giveUpAt)
    {
        Console.Error.WriteLine($"Sessions still pending after {patience}: {string.Join(", ", pending)}");
        return 3;
    }

    await Task.Delay(500);
}

Console.WriteLine("DONE");
return 0;
