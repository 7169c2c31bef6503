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

    /// <summary>Gets or sets the budget, in characters, for the session transcripts sent to the optimizer. It is shared
    /// among the sessions of an update: a short session takes what it needs and leaves the rest to the longer ones, which
    /// keep their first and last messages (half the session's share each) with a note of how many were cut in between.
    /// Each session keeps at least 200 characters, so only a forced update of more than budget / 200 sessions exceeds
    /// it.</summary>
    /// <value>Defaults to 24,000 (roughly 6,000 tokens). Valid range: 1,000 to 1,000,000.</value>
    public int MaxTranscriptCharacters { get; set; } = 24_000;

    /// <summary>Gets or sets how many times a persona update is re-applied after a concurrent change before it gives up
    /// (the sessions then stay pending).</summary>
    /// <value>Defaults to 3. Valid range: 1 to 20.</value>
    public int MaxSaveAttempts { get; set; } = 3;

    /// <summary>Gets or sets the key of the keyed <c>IChatClient</c> service the optimizer uses. When no client is
    /// registered under the key, the optimizer uses the unkeyed <c>IChatClient</c>, and when none is registered at all,
    /// the client the first <see cref="PersonalizedChatClient"/> built from the service provider wraps.</summary>
    /// <value>Defaults to <see cref="DefaultOptimizerChatClientKey"/>.</value>
    public string OptimizerChatClientKey { get; set; } = DefaultOptimizerChatClientKey;

    /// <summary>Gets or sets whether persona updates run in the background or inline.</summary>
    /// <value>Defaults to <see cref="PersonaUpdateMode.Background"/>: chat calls return without waiting for the optimizer.</value>
    public PersonaUpdateMode UpdateMode { get; set; } = PersonaUpdateMode.Background;

    /// <summary>Gets or sets a value indicating whether every chat request must name a user. When <see langword="false"/>,
    /// a request without a user passes through unpersonalized and unrecorded.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool RequireUser { get; set; }

    /// <summary>Gets or sets the most tokens the rendered persona may take in a request. The least important fields are
    /// dropped first, whole (a value is never cut in the middle), and a field too long to fit beside the more important ones
    /// is dropped without the less important fields that still fit.</summary>
    /// <value>Defaults to 500. Valid range: 50 to 32,000. Tokens are counted by the registered <see cref="ITokenCounter"/>:
    /// by default estimated from the characters (a quarter of a token per ASCII character, one per Chinese, Japanese or
    /// Korean character, half of one per other character); <c>AiPersona.Tokenizers</c> counts them with the model's own
    /// tokenizer.</value>
    public int PersonaTokenBudget { get; set; } = 500;

    /// <summary>Gets or sets how long a loaded persona is reused before it is read from the store again. Updates made by
    /// this process replace the cached persona at once; this bounds how long changes made elsewhere (another instance,
    /// a direct <see cref="IPersonaStore"/> save) take to show.</summary>
    /// <value>Defaults to 1 minute. <see cref="TimeSpan.Zero"/> disables caching. Must not be negative.</value>
    public TimeSpan PersonaCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long to wait after a failed update before the same user's update is tried again. Each
    /// further consecutive failure of that user doubles the wait, up to 64 times this value (about an hour by default), so
    /// a long outage of the optimizer model, or sessions it keeps failing on, cost one call an hour rather than one a
    /// minute; a success resets it, and so does a silence as long again (no attempt for 64 times this value after the
    /// retry fell due: a user who left is not remembered for ever).</summary>
    /// <value>Defaults to 1 minute. Must be between zero and one day.</value>
    public TimeSpan UpdateRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long one optimizer call may take. A call that has not answered by then is cancelled and
    /// the update fails like any optimizer failure: nothing changes, and its sessions stay pending for a retry after
    /// <see cref="UpdateRetryDelay"/>. Without it, a model endpoint that never answers would hold one of the
    /// <see cref="MaxConcurrentUpdates"/> slots, and the user's update lock, indefinitely. With SQLite or PostgreSQL
    /// storage it must leave 30 seconds of their update lease (<c>UpdateLeaseDuration</c>, 5 minutes by default), which an
    /// update holds while the optimizer runs and while it saves; start-up fails otherwise. The model client's own timeout
    /// ends a call too: 100 seconds by default for the OpenAI client (<c>NetworkTimeout</c>) and for an HttpClient (the one
    /// <c>OllamaApiClient</c> makes for itself included); raise it as well for calls that may take longer.</summary>
    /// <value>Defaults to 2 minutes. Must be positive and at most one day, or <see cref="Timeout.InfiniteTimeSpan"/> for no
    /// limit (not with storage whose update lease expires).</value>
    public TimeSpan OptimizerTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the sampling temperature of the optimizer's call. <see langword="null"/> sends none, so the model
    /// uses its default: reasoning models (OpenAI's o-series and GPT-5 family, for example) accept only their default and
    /// refuse a request that sets another value, which would fail every persona update. With a model that takes it, 0 makes
    /// the optimizer's edits more repeatable.</summary>
    /// <value>Defaults to <see langword="null"/> (none sent). When set, must be between 0 and 2.</value>
    public float? OptimizerTemperature { get; set; }

    /// <summary>Gets or sets how many background persona updates may run at once in this process, across all users. Each
    /// update makes one optimizer call, so the limit keeps a burst of users reaching k sessions together, or the recovery of
    /// pending work after a restart, from sending that many requests to the model (and to the store) at once; further
    /// updates wait their turn. Inline updates run inside the caller's call and are not limited. Read when the update
    /// scheduler is created.</summary>
    /// <value>Defaults to 4. Must be between 1 and 1,000.</value>
    public int MaxConcurrentUpdates { get; set; } = 4;

    /// <summary>Gets or sets how long disposing the scheduler asynchronously (with the service provider) waits for running
    /// background updates before cancelling them; a synchronous <c>Dispose</c> of the scheduler cancels them at once. A
    /// cancelled update changes nothing; its sessions stay pending and are picked up after a restart. Disposing a
    /// personalized client waits as long, either way, for the updates that borrowed its inner client.</summary>
    /// <value>Defaults to 10 seconds. Must be between zero and one day.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a session's transcript is kept after the persona has learned from it. Expired
    /// transcripts are deleted when the user's next persona update is saved; the user's latest session is always kept, so
    /// that a client resending an old conversation is still recognised. The persona's provenance (session ids and times)
    /// stays. Sessions not yet learned are never deleted.</summary>
    /// <value>Defaults to <see langword="null"/>: transcripts are kept until the user is deleted.
    /// <see cref="TimeSpan.Zero"/> deletes them as soon as they are learned. Must be between zero and 36,500 days (100
    /// years).</value>
    public TimeSpan? LearnedSessionRetention { get; set; }
}
