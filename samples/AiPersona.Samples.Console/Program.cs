using System.Data.Common;
using AiPersona;
using AiPersona.Samples;
using AiPersona.Samples.Console;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OllamaSharp;

// Usage: dotnet run --project samples/AiPersona.Samples.Console [-- --user <id>] [--data <directory>]
// With OPENAI_API_KEY (optional OPENAI_ENDPOINT, OPENAI_MODEL) or OLLAMA_ENDPOINT (optional OLLAMA_MODEL) set, this is an
// interactive chat; with neither, it runs an offline, clearly labelled simulation.
const string Usage = "Usage: dotnet run --project samples/AiPersona.Samples.Console [-- --user <id>] [--data <directory>]";
string? userArgument = null, dataArgument = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        // A blank value ("--user ''") is no value: it is refused, not taken for a user or a folder.
        case "--user" when i + 1 < args.Length && !string.IsNullOrWhiteSpace(args[i + 1]):
            userArgument = args[++i];
            break;
        case "--data" when i + 1 < args.Length && !string.IsNullOrWhiteSpace(args[i + 1]):
            dataArgument = args[++i];
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage);
            return 0;
        default:
            Console.Error.WriteLine(args[i] is "--user" or "--data" ? $"{args[i]} needs a value." : $"Unknown option '{args[i]}'.");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var userId = userArgument ?? "demo-user";
var dataDirectory = Path.GetFullPath(dataArgument ?? ".aipersona-sample");
IChatClient model;
string providerName;
try
{
    (model, providerName) = CreateModel();
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// A local model may take minutes over the optimizer's prompt on a CPU: give it longer than the default two minutes (and
// the update lease, which must outlast the optimizer call, longer still).
var localModel = model is OllamaApiClient;

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .AddSimpleConsole(o => { o.SingleLine = true; o.IncludeScopes = false; })
    .SetMinimumLevel(LogLevel.Warning)
    .AddFilter("AiPersona", LogLevel.Information));
try
{
    Directory.CreateDirectory(dataDirectory);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"The data directory '{dataDirectory}' cannot be used: {ex.Message} Choose another with --data.");
    return 1;
}

var database = Path.Combine(dataDirectory, "aipersona.db");
services.AddAiPersona(options =>
    {
        options.UpdateMode = model is SimulatedModel ? PersonaUpdateMode.Inline : PersonaUpdateMode.Background;
        if (localModel)
        {
            options.OptimizerTimeout = ModelClients.CallTimeout;
        }

        // The paper's schema has no field for where the user lives; an app adds the fields it needs.
        options.Schema.FindSection("demographics")!.Fields.Add(new PersonaFieldDefinition("location", "Where the user lives: city or region"));
    })
    .UseSqlite($"Data Source={database}", o =>
    {
        if (localModel)
        {
            o.UpdateLeaseDuration = TimeSpan.FromMinutes(15);
        }
    });
services.AddChatClient(model).UsePersonalization();

await using var serviceProvider = services.BuildServiceProvider();
try
{
    if (!await EarlierFileStore.MoveIntoAsync(dataDirectory, serviceProvider))
    {
        return 1;
    }

    return model is SimulatedModel
        ? await OfflineDemo.RunAsync(serviceProvider, userId, dataDirectory)
        : await InteractiveChat.RunAsync(serviceProvider, userId, providerName);
}
catch (DbException ex)
{
    // Nothing is deleted or replaced: the file may hold a user's data that another tool can still recover.
    Console.Error.WriteLine($"The sample's database '{database}' cannot be used: {ex.Message}");
    Console.Error.WriteLine("It is left as it is. Move it away, or choose another --data directory, to start over.");
    return 1;
}
catch (InvalidDataException ex)
{
    // A document in it damaged by hand (or a file an earlier version left): the store reads it strictly and writes nothing.
    Console.Error.WriteLine($"The sample's data in '{dataDirectory}' is damaged: {ex.Message}");
    Console.Error.WriteLine("Move the folder away, or choose another --data directory, to start over.");
    return 1;
}

static (IChatClient Model, string Provider) CreateModel()
{
    var openAiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
    if (!string.IsNullOrWhiteSpace(openAiKey))
    {
        var modelId = Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini";
        var endpoint = Environment.GetEnvironmentVariable("OPENAI_ENDPOINT");
        var url = string.IsNullOrWhiteSpace(endpoint) ? null : Url(endpoint, "OPENAI_ENDPOINT");
        return (ModelClients.OpenAi(openAiKey, url).GetChatClient(modelId).AsIChatClient(), $"OpenAI ({modelId})");
    }

    var ollamaEndpoint = Environment.GetEnvironmentVariable("OLLAMA_ENDPOINT");
    if (!string.IsNullOrWhiteSpace(ollamaEndpoint))
    {
        var modelId = Environment.GetEnvironmentVariable("OLLAMA_MODEL") ?? "llama3.2";
        return (ModelClients.Ollama(Url(ollamaEndpoint, "OLLAMA_ENDPOINT"), modelId), $"Ollama ({modelId})");
    }

    return (new SimulatedModel(), "the simulated model");
}

static Uri Url(string value, string name)
    => Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
        ? url
        : throw new ArgumentException($"{name} must be an absolute http or https URL, such as http://localhost:11434; '{value}' is not.");
