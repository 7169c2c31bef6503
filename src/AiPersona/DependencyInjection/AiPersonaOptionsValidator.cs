using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Validates <see cref="AiPersonaOptions"/>, including the persona schema.</summary>
internal sealed class AiPersonaOptionsValidator : IValidateOptions<AiPersonaOptions>
{
    private const string OneName = " (names that differ only in case, spaces, hyphens, underscores or Unicode form are one name)";
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxRetention = TimeSpan.FromDays(36_500);

    public ValidateOptionsResult Validate(string? name, AiPersonaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        CheckRange(failures, nameof(options.SessionsPerUpdate), options.SessionsPerUpdate, 1, 100);
        CheckRange(failures, nameof(options.MaxValueLength), options.MaxValueLength, 10, 10_000);
        CheckRange(failures, nameof(options.MaxTranscriptCharacters), options.MaxTranscriptCharacters, 1_000, 1_000_000);
        CheckRange(failures, nameof(options.MaxSaveAttempts), options.MaxSaveAttempts, 1, 20);
        CheckRange(failures, nameof(options.MaxConcurrentUpdates), options.MaxConcurrentUpdates, 1, 1_000);
        if (options.SessionIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"AiPersonaOptions.{nameof(options.SessionIdleTimeout)} must be positive; it is {options.SessionIdleTimeout}.");
        }

        CheckRange(failures, nameof(options.PersonaTokenBudget), options.PersonaTokenBudget, 50, 32_000);
        CheckNotNegative(failures, nameof(options.PersonaCacheDuration), options.PersonaCacheDuration);
        CheckNotNegative(failures, nameof(options.UpdateRetryDelay), options.UpdateRetryDelay);
        if (options.UpdateRetryDelay > OneDay)
        {
            failures.Add($"AiPersonaOptions.{nameof(options.UpdateRetryDelay)} must be at most one day (repeated failures wait up to 64 times as long); it is {options.UpdateRetryDelay}.");
        }

        // Timers and waits take at most about 24 days: a longer wait would throw where the scheduler is disposed.
        CheckNotNegative(failures, nameof(options.ShutdownTimeout), options.ShutdownTimeout);
        if (options.ShutdownTimeout > OneDay)
        {
            failures.Add($"AiPersonaOptions.{nameof(options.ShutdownTimeout)} must be at most one day; it is {options.ShutdownTimeout}.");
        }

        if (options.OptimizerTemperature is { } temperature && !(temperature is >= 0 and <= 2))
        {
            failures.Add($"AiPersonaOptions.{nameof(options.OptimizerTemperature)} must be between 0 and 2, or null to send none; it is {temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        if ((options.OptimizerTimeout <= TimeSpan.Zero || options.OptimizerTimeout > OneDay) && options.OptimizerTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"AiPersonaOptions.{nameof(options.OptimizerTimeout)} must be positive and at most one day, or Timeout.InfiniteTimeSpan for no limit; it is {options.OptimizerTimeout}.");
        }

        // Transcripts older than now minus the retention are deleted: it must leave a date to compare with.
        if (options.LearnedSessionRetention is { } retention)
        {
            CheckNotNegative(failures, nameof(options.LearnedSessionRetention), retention);
            if (retention > MaxRetention)
            {
                failures.Add($"AiPersonaOptions.{nameof(options.LearnedSessionRetention)} must be at most 36500 days (100 years), or null to keep learned transcripts until the user is deleted; it is {retention}.");
            }
        }

        if (!Enum.IsDefined(options.UpdateMode))
        {
            failures.Add($"AiPersonaOptions.{nameof(options.UpdateMode)} has an unknown value '{options.UpdateMode}'.");
        }

        if (string.IsNullOrWhiteSpace(options.OptimizerChatClientKey))
        {
            failures.Add($"AiPersonaOptions.{nameof(options.OptimizerChatClientKey)} must not be empty.");
        }

        if (options.Schema is null)
        {
            failures.Add($"AiPersonaOptions.{nameof(options.Schema)} must not be null.");
        }
        else
        {
            ValidateSchema(options.Schema, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateSchema(PersonaSchema schema, List<string> failures)
    {
        if (schema.MaxUnknownFields is < 0 or > 1_000)
        {
            failures.Add($"AiPersonaOptions.Schema.{nameof(schema.MaxUnknownFields)} must be between 0 and 1000; it is {schema.MaxUnknownFields}.");
        }

        if (schema.Sections.Count == 0)
        {
            failures.Add("AiPersonaOptions.Schema has no section.");
        }

        // Names that differ only in case, spaces, hyphens, underscores or Unicode form are one name (FieldNames): the
        // optimizer's edits are matched to the schema that way.
        var sections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in schema.Sections)
        {
            if (string.IsNullOrWhiteSpace(section?.Name))
            {
                failures.Add("AiPersonaOptions.Schema has a section without a name.");
                continue;
            }

            if (!sections.Add(FieldNames.Key(section.Name)))
            {
                failures.Add($"AiPersonaOptions.Schema defines section '{section.Name}' twice{OneName}.");
            }

            var fields = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in section.Fields)
            {
                if (string.IsNullOrWhiteSpace(field?.Name))
                {
                    failures.Add($"AiPersonaOptions.Schema section '{section.Name}' has a field without a name.");
                    continue;
                }

                if (!fields.Add(FieldNames.Key(field.Name)))
                {
                    failures.Add($"AiPersonaOptions.Schema section '{section.Name}' defines field '{field.Name}' twice{OneName}.");
                }

                if (!Enum.IsDefined(field.Policy))
                {
                    failures.Add($"AiPersonaOptions.Schema field '{section.Name}.{field.Name}' has an unknown policy '{field.Policy}'.");
                }

                CheckRange(failures, $"Schema field '{section.Name}.{field.Name}' Importance", field.Importance, 0, 100);
            }
        }
    }

    private static void CheckNotNegative(List<string> failures, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            failures.Add($"AiPersonaOptions.{name} must not be negative; it is {value}.");
        }
    }

    private static void CheckRange(List<string> failures, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"AiPersonaOptions.{name} must be between {min} and {max}; it is {value}.");
        }
    }
}
