using System.Globalization;
using AiPersona.Evaluation;

namespace AiPersona.Samples.PersonaBench;

/// <summary>Command-line arguments of the PersonaBench sample.</summary>
internal sealed class BenchArguments
{
    public const string Usage = """
        Usage: dotnet run --project samples/AiPersona.Samples.PersonaBench -- [options]
          (no options)                 offline SIMULATION with scripted models: checks the pipeline, measures nothing
          --provider openai|ollama     run the real benchmark against a model
          --model <name>               the assistant's model (and every other role's, unless given below)
          --user-model <name>          the simulated user's model
          --judge-model <name>         the judge's model
          --optimizer-model <name>     the persona optimizer's model
          --embedding-model <name>     embedding model for Conversation RAG (default: word-overlap similarity)
          --endpoint <url>             OpenAI-compatible or Ollama endpoint (OPENAI_ENDPOINT / OLLAMA_ENDPOINT)
          --settings <list>            comma-separated: nopersona,goldenpersona,conversationrag,learning-k1,learning-k3,learning-k5
          --dataset <file.json>        your own dataset, in the mini PersonaBench's JSON shape (default: the mini one)
          --personas <n> --scenes <n>  run on the first n personas / scenes per persona (a run resumes only with the same)
          --out <dir>                  results and resume state (default: personabench-results/<run name>)
          --parallel <n>               (setting, persona) runs at once (default 4 offline, 1 otherwise)
          --temperature <t>            temperature of the simulated user, judges and optimizer (default: none sent, the
                                       model's own; reasoning models such as GPT-5 or o3 accept no other)
          --fresh                      delete what earlier runs wrote into --out (nothing else there) instead of resuming
          --help, -h                   show this text
        """;

    public string? Provider { get; private set; }

    public string? Model { get; private set; }

    public string? UserModel { get; private set; }

    public string? JudgeModel { get; private set; }

    public string? OptimizerModel { get; private set; }

    public string? EmbeddingModel { get; private set; }

    public Uri? Endpoint { get; private set; }

    public IReadOnlyList<BenchmarkSetting> Settings { get; private set; } = BenchmarkSetting.All;

    /// <summary>The dataset file, or <see langword="null"/> for the mini PersonaBench.</summary>
    public string? DatasetPath { get; private set; }

    public int? Personas { get; private set; }

    public int? Scenes { get; private set; }

    public string? OutputDirectory { get; private set; }

    public int? Parallel { get; private set; }

    public float? Temperature { get; private set; }

    public bool Fresh { get; private set; }

    /// <summary>Whether the usage text was asked for (nothing runs).</summary>
    public bool Help { get; private set; }

    public static BenchArguments Parse(string[] args)
    {
        var parsed = new BenchArguments();
        for (var i = 0; i < args.Length; i++)
        {
            // A blank value ("--out ''") is no value.
            string Value() => i + 1 < args.Length && !string.IsNullOrWhiteSpace(args[i + 1]) ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--provider": parsed.Provider = Value().ToLowerInvariant(); break;
                case "--model": parsed.Model = Value(); break;
                case "--user-model": parsed.UserModel = Value(); break;
                case "--judge-model": parsed.JudgeModel = Value(); break;
                case "--optimizer-model": parsed.OptimizerModel = Value(); break;
                case "--embedding-model": parsed.EmbeddingModel = Value(); break;
                case "--endpoint": parsed.Endpoint = Url(Value(), "--endpoint"); break;
                case "--settings": parsed.Settings = ParseSettings(Value()); break;
                case "--dataset": parsed.DatasetPath = Value(); break;
                case "--personas": parsed.Personas = Positive(Value(), "--personas"); break;
                case "--scenes": parsed.Scenes = Positive(Value(), "--scenes"); break;
                case "--out": parsed.OutputDirectory = Value(); break;
                case "--parallel": parsed.Parallel = Positive(Value(), "--parallel"); break;
                case "--temperature": parsed.Temperature = ParseTemperature(Value()); break;
                case "--fresh": parsed.Fresh = true; break;
                case "--help" or "-h": return new BenchArguments { Help = true };
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        if (parsed.Provider is not null and not "openai" and not "ollama")
        {
            throw new ArgumentException("--provider must be openai or ollama.");
        }

        if (parsed.Provider is not null && parsed.Model is null)
        {
            throw new ArgumentException("--provider needs --model.");
        }

        // Without a provider every role is scripted: a model or endpoint given there would be silently ignored.
        if (parsed.Provider is null && ((parsed.Model ?? parsed.UserModel ?? parsed.JudgeModel ?? parsed.OptimizerModel ?? parsed.EmbeddingModel) is not null || parsed.Endpoint is not null))
        {
            throw new ArgumentException("--model, the role models, --embedding-model and --endpoint need --provider openai|ollama.");
        }

        return parsed;
    }

    private static float ParseTemperature(string value)
        => float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0 and <= 2
            ? t
            : throw new ArgumentException("--temperature must be a number between 0 and 2.");

    private static List<BenchmarkSetting> ParseSettings(string value)
    {
        var settings = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseSetting).ToList();
        if (settings.Count == 0)
        {
            throw new ArgumentException("--settings names no setting.");
        }

        var twice = settings.GroupBy(s => s.Key).FirstOrDefault(g => g.Count() > 1);
        return twice is null ? settings : throw new ArgumentException($"--settings lists {twice.Key} twice.");
    }

    // The library's message names its parameter ("(Parameter 'key')"), which means nothing on a command line.
    private static BenchmarkSetting ParseSetting(string key)
    {
        try
        {
            return BenchmarkSetting.Parse(key);
        }
        catch (ArgumentException ex) when (ex.ParamName is not null)
        {
            throw new ArgumentException(ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal), ex);
        }
    }

    /// <summary>Reads an endpoint given on the command line or in the environment.</summary>
    /// <exception cref="ArgumentException">The value is not an absolute http or https URL.</exception>
    public static Uri Url(string value, string name)
        => Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"{name} must be an absolute http or https URL, such as http://localhost:11434; '{value}' is not.");

    private static int Positive(string value, string name)
        => int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer.");
}
