using System.Globalization;

namespace AiPersona.CrashWorkload;

/// <summary>The command line: <c>--backend filesystem|sqlite|postgresql --store PATH-OR-CONNECTION-STRING
/// [--schema NAME] --journal FILE --users N --sessions N --turns N --seed N</c>.</summary>
internal sealed record WorkloadArguments(string Backend, string Store, string? Schema, string JournalPath, int Users, int Sessions, int Turns, int Seed)
{
    public static WorkloadArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected \"--name value\" pairs; got \"{args[i]}\".");
            }

            values[args[i][2..]] = args[i + 1];
        }

        var backend = Required(values, "backend");
        if (backend is not ("filesystem" or "sqlite" or "postgresql"))
        {
            throw new ArgumentException($"--backend must be filesystem, sqlite or postgresql; got \"{backend}\".");
        }

        var sessions = Count(values, "sessions");
        if (sessions % WorkloadScript.SessionsPerUpdate != 0)
        {
            throw new ArgumentException($"--sessions must be a multiple of {WorkloadScript.SessionsPerUpdate}, so every session is learned by the end.");
        }

        return new WorkloadArguments(
            backend,
            Required(values, "store"),
            values.GetValueOrDefault("schema"),
            Required(values, "journal"),
            Count(values, "users"),
            sessions,
            Count(values, "turns"),
            int.Parse(Required(values, "seed"), CultureInfo.InvariantCulture));
    }

    private static string Required(Dictionary<string, string> values, string name)
        => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    private static int Count(Dictionary<string, string> values, string name)
        => int.TryParse(Required(values, name), CultureInfo.InvariantCulture, out var count) && count > 0
            ? count
            : throw new ArgumentException($"--{name} must be a positive whole number.");
}
