namespace AiPersona;

/// <summary>Options of AiPersona's engine: persona schema, update cadence, session boundaries and optimizer limits.</summary>
/// <remarks>Validated when the application starts; an invalid value fails with a message naming the option.</remarks>
public sealed class AiPersonaOptions
{
    /// <summary>The service key under which AiPersona looks for a dedicated optimizer <c>IChatClient</c>.</summary>
    public const string DefaultOptimizerChatClientKey = "AiPersona.Optimizer";

    /// <summary>Gets or sets the persona schema.</summary>
    /// <value>Defaults to the paper's schema, <see cref="PersonaSchema.CreateDefault"/>.</value>
    public PersonaSchema Schema { get; set; } = PersonaSchema.CreateDefault();

    /// <summary>Gets or sets k: how many completed sessions trigger a persona update.</summary>
    /// <value>Defaults to 3, the value the paper found best. Valid range: 1 to 100.</value>
    public int SessionsPerUpdate { get; set; } = 3;

    /// <summary>Gets or sets how long a session may stay idle before it counts as completed.</summary>
    /// <value>Defaults to 30 minutes. Must be positive.</value>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets the longest persona value, in characters, the optimizer may write; longer values are rejected.</summary>
    /// <value>Defaults to 300. Valid range: 10 to 10,000.</value>
    public int MaxValueLength { get; set; } = 300;

    /// <summary>Gets or sets the budget, in characters, for the session transcripts sent to the optimizer.</summary>
    /// <value>Defaults to 24,000 (roughly 6,000 tokens). Valid range: 1,000 to 1,000,000.</value>
    public int MaxTranscriptCharacters { get; set; } = 24_000;

    /// <summary>Gets or sets how many times a persona update is re-applied after a concurrent change before it gives up
    /// (the sessions then stay pending).</summary>
    /// <value>Defaults to 3. Valid range: 1 to 20.</value>
    public int MaxSaveAttempts { get; set; } = 3;

    /// <summary>Gets or sets the key of the keyed <c>IChatClient</c> service the optimizer uses. When no client is
    /// registered under the key, the optimizer uses the unkeyed <c>IChatClient</c>.</summary>
    /// <value>Defaults to <see cref="DefaultOptimizerChatClientKey"/>.</value>
    public string OptimizerChatClientKey { get; set; } = DefaultOptimizerChatClientKey;
}
