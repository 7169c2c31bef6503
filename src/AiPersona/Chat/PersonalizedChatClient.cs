using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>The paper's Personalized Chatbot: a chat client decorator that adds the user's persona to every request,
/// records each turn with the session manager, and starts a persona update every k completed sessions.</summary>
/// <remarks>
/// <para>The user comes from <see cref="ChatOptionsPersonaExtensions.WithPersonaUser"/>, else from a registered
/// <see cref="IChatUserResolver"/>. Without a user the request passes through untouched, unless
/// <see cref="AiPersonaOptions.RequireUser"/> is set.</para>
/// <para>The persona is added as a system message after the caller's leading system messages, so it reaches the model
/// with every provider and the caller's own prompt prefix stays stable. When the service keeps the conversation itself
/// (its responses carry a <see cref="ChatResponse.ConversationId"/>), the persona is added once and follow-up requests
/// under the id it handed back are sent as they are. The caller's messages and options are never changed. Streaming and
/// non-streaming calls behave the same; a stream that fails or is abandoned records nothing.</para>
/// <para>Background responses (<see cref="ChatOptions.AllowBackgroundResponses"/>): the request that starts one carries
/// the persona and is recorded at once; its reply is recorded when a request with the response's
/// <see cref="ChatOptions.ContinuationToken"/> gets it finished. Such requests are sent as they are, with no persona
/// added (providers take no messages beside a continuation token), and a resumed stream is not recorded: it carries only
/// the part of the reply after the interruption.</para>
/// <para>A storage failure never fails the chat call: the request goes out without the persona, or the turn goes
/// unrecorded, and the failure is logged as an error.</para>
/// <para>The client is thread-safe, and may be registered with any lifetime (a scoped client is built, and disposed, per
/// scope). Disposing it waits, for up to <see cref="AiPersonaOptions.ShutdownTimeout"/>, for the persona updates that
/// borrowed its inner client (the optimizer does when the app registered no chat client for it), then disposes the inner
/// client. Other updates do not depend on it and are not waited for: the <see cref="PersonaUpdateScheduler"/>, which the
/// service provider owns, lets them finish when the provider is disposed, and cancels whatever still runs after
/// <see cref="AiPersonaOptions.ShutdownTimeout"/>. Their sessions then stay pending for the next start.</para>
/// </remarks>
public sealed class PersonalizedChatClient : DelegatingChatClient, IAsyncDisposable
{
    private const int MaxExportReads = 3;
    private readonly IPersonaStore _store;
    private readonly ISessionManager _sessions;
    private readonly PersonaUpdateScheduler _scheduler;
    private readonly PersonaCache _cache;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly IChatUserResolver? _userResolver;
    private readonly ILogger _logger;
    private readonly ServiceHeldConversations _serviceHeld;
    private readonly OptimizerClientFallback? _optimizerFallback;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="PersonalizedChatClient"/> class from the services that
    /// <c>AddAiPersona()</c> registered.</summary>
    /// <param name="innerClient">The client to personalize.</param>
    /// <param name="services">The service provider.</param>
    /// <remarks>When the app registered no <see cref="IChatClient"/> for the persona optimizer (keyed under
    /// <see cref="AiPersonaOptions.OptimizerChatClientKey"/>, or unkeyed), the optimizer uses
    /// <paramref name="innerClient"/> (of the first personalized client built from <paramref name="services"/>).</remarks>
    /// <exception cref="InvalidOperationException">AiPersona's services are not registered.</exception>
    public PersonalizedChatClient(IChatClient innerClient, IServiceProvider services)
        : this(innerClient, Resolve<IPersonaStore>(services), Resolve<ISessionManager>(services), Resolve<PersonaUpdateScheduler>(services), Resolve<PersonaCache>(services),
              Resolve<IOptionsMonitor<AiPersonaOptions>>(services), services.GetService<IChatUserResolver>(), services.GetService<ILogger<PersonalizedChatClient>>(),
              services.GetService<ServiceHeldConversations>(), services.GetService<TimeProvider>())
    {
        _optimizerFallback = services.GetService<OptimizerClientFallback>();
        _optimizerFallback?.Offer(innerClient);
    }

    internal PersonalizedChatClient(
        IChatClient innerClient,
        IPersonaStore store,
        ISessionManager sessions,
        PersonaUpdateScheduler scheduler,
        PersonaCache cache,
        IOptionsMonitor<AiPersonaOptions> options,
        IChatUserResolver? userResolver = null,
        ILogger? logger = null,
        ServiceHeldConversations? serviceHeld = null,
        TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _sessions = sessions;
        _scheduler = scheduler;
        _cache = cache;
        _options = options;
        _userResolver = userResolver;
        _logger = logger ?? NullLogger.Instance;
        _serviceHeld = serviceHeld ?? new ServiceHeldConversations();
        _time = timeProvider ?? TimeProvider.System;
        _ = options.CurrentValue; // fails fast with OptionsValidationException when the options are invalid
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = AiPersonaTelemetry.ActivitySource.StartActivity(AiPersonaTelemetry.ChatActivity);
        var turn = await PrepareAsync(messages, options, cancellationToken);
        Describe(activity, turn);
        var response = await base.GetResponseAsync(turn.Messages, turn.Options, cancellationToken);
        if (turn.Record)
        {
            await RecordAsync(turn, response, activity, cancellationToken);
        }

        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = AiPersonaTelemetry.ActivitySource.StartActivity(AiPersonaTelemetry.ChatActivity);
        var turn = await PrepareAsync(messages, options, cancellationToken);
        Describe(activity, turn);
        if (turn.Record && turn.Continues)
        {
            Log.ResumedStreamNotRecorded(_logger, UserIdHash.Of(turn.UserId!));
        }

        if (!turn.Record || turn.Continues)
        {
            await foreach (var update in base.GetStreamingResponseAsync(turn.Messages, turn.Options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        List<ChatResponseUpdate> updates = [];
        var completed = false;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(turn.Messages, turn.Options, cancellationToken))
            {
                updates.Add(update);
                yield return update;
            }

            completed = true;
        }
        finally
        {
            // A failed, cancelled or abandoned stream records nothing half-finished.
            if (!completed)
            {
                Log.StreamNotRecorded(_logger, UserIdHash.Of(turn.UserId!));
            }
        }

        await RecordAsync(turn, updates.ToChatResponse(), activity, cancellationToken);
    }

    /// <summary>Ends the user's open session (for example when the user closes the chat) and starts a persona update if
    /// k sessions are now pending.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is ended (and, in inline mode, the update is done).</returns>
    public async Task EndSessionAsync(string userId, CancellationToken cancellationToken = default)
    {
        var pending = await _sessions.EndSessionAsync(userId, cancellationToken);
        if (pending >= _options.CurrentValue.SessionsPerUpdate)
        {
            await _scheduler.RequestUpdateAsync(userId, cancellationToken);
        }
    }

    /// <summary>Applies the application's own edits to a user's persona — a value from the user's profile, a correction the
    /// user made in a settings page — saves them, and replaces the cached persona, so the next request carries them.</summary>
    /// <remarks>
    /// <para>Edits may set any field, <see cref="FieldPolicy.Locked"/> ones included (those are the application's); setting
    /// a <see cref="FieldPolicy.NeverStore"/> field is refused. Each changed field gets a revision with the edit's reason.
    /// Names are matched ignoring case, runs of spaces, hyphens and underscores, and Unicode form (a composed or decomposed
    /// accent), as the optimizer's are: "Values and interests" is the schema's <c>values_and_interests</c>, and a field
    /// outside the schema keeps the persona's spelling (so does <see cref="ForgetFieldAsync"/>).</para>
    /// <para>A concurrent change (a persona update saving at the same moment) is re-read and the edits applied again, up to
    /// <see cref="AiPersonaOptions.MaxSaveAttempts"/> times; a persona update that was running meanwhile drops its own edits
    /// of the fields changed here, so the application's values win either way. Nor do later persona updates overrule an
    /// edit that cites no session (the user's own correction) with sessions that ended before it: see
    /// <see cref="Persona.CorrectedAt"/>. Other app instances sharing the store see the change once their cached copy is
    /// older than <see cref="AiPersonaOptions.PersonaCacheDuration"/>.</para>
    /// <para>The values are not held to <see cref="AiPersonaOptions.MaxValueLength"/> (which caps what the optimizer writes)
    /// nor checked for text that reads as instructions to a model: check what a user types before passing it on. A value
    /// too long for <see cref="AiPersonaOptions.PersonaTokenBudget"/> is left out of requests, but every value is shown to
    /// the optimizer at each update.</para>
    /// </remarks>
    /// <param name="userId">The user.</param>
    /// <param name="edits">The edits, applied in order.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The persona as saved (unchanged when the edits change nothing).</returns>
    /// <exception cref="ArgumentException">An edit sets a never-store field, names no section or field, or has an unknown
    /// operation.</exception>
    /// <exception cref="PersonaConcurrencyException">The persona kept changing concurrently.</exception>
    public async Task<Persona> EditPersonaAsync(string userId, IEnumerable<PersonaEdit> edits, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentNullException.ThrowIfNull(edits);
        var list = edits.ToList();
        var settings = _options.CurrentValue;
        foreach (var edit in list)
        {
            if (edit is null || string.IsNullOrWhiteSpace(edit.Section) || string.IsNullOrWhiteSpace(edit.Field))
            {
                throw new ArgumentException("Every edit needs a section and a field name.", nameof(edits));
            }

            if (edit.Operation != PersonaEditOperation.Remove && settings.Schema.MatchField(edit.Section, edit.Field)?.Policy == FieldPolicy.NeverStore)
            {
                throw new ArgumentException($"'{edit.Section}.{edit.Field}' is a never-store field: it cannot be set.", nameof(edits));
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            var persona = await _store.GetAsync(userId, cancellationToken);
            var change = persona.ApplyEdits(list.Select(e => Spelled(e, settings.Schema, persona)), _time.GetUtcNow());
            try
            {
                var saved = change.IsEmpty ? persona : await _store.SaveAsync(change, cancellationToken);
                _cache.Set(saved);
                return saved;
            }
            catch (PersonaConcurrencyException) when (attempt < settings.MaxSaveAttempts)
            {
                // Someone saved in between: read their version and apply the edits to it.
            }
        }
    }

    /// <summary>Forgets one thing AiPersona believes about a user — "forget what I do for a living" — removing the field's
    /// value and every revision of it from the history, so it is neither sent with requests nor kept as an old value.</summary>
    /// <remarks>
    /// <para>A persona update of the user that is running is waited for first, as in <see cref="ForgetUserAsync"/>, so it
    /// cannot save the value again afterwards. The removal saves a new persona version and replaces the cached persona.</para>
    /// <para>Sessions that ended before this call, pending ones included, are not learned from for this field again (see
    /// <see cref="Persona.CorrectedAt"/>); a later update may learn it again from what the user says afterwards. The
    /// sessions the value was learned from still hold what the user said. The returned session ids are those sessions:
    /// pass them to <see cref="ForgetSessionAsync"/> to delete them too, and set the field's policy to
    /// <see cref="FieldPolicy.NeverStore"/> in the schema if it must never be learned again.</para>
    /// </remarks>
    /// <param name="userId">The user.</param>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The ids of the sessions the field's current and earlier values were learned from, oldest first; empty when
    /// only the application set it, or it was never set.</returns>
    public async Task<IReadOnlyList<string>> ForgetFieldAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        PersonaChanges.ThrowIfInvalidField(section, field);
        IReadOnlyList<string> sources = [];
        await UnderUpdateLockAsync(
            userId,
            async () =>
            {
                var persona = await _store.GetAsync(userId, cancellationToken);
                (section, field) = _options.CurrentValue.Schema.Spelling(persona, section, field);
                var history = await _store.GetHistoryAsync(userId, cancellationToken);
                var current = persona.GetValue(section, field)?.SourceSessionIds ?? [];
                sources = [.. history.Where(r => PersonaChanges.IsRevisionOf(r, section, field)).SelectMany(static r => r.SourceSessionIds).Concat(current).Distinct(StringComparer.Ordinal)];
                await EditPersonaAsync(userId, [PersonaEdit.Remove(section, field, "forgotten at the user's request")], cancellationToken);
                await _store.DeleteFieldHistoryAsync(userId, section, field, cancellationToken);
                Log.FieldForgotten(_logger, UserIdHash.Of(userId), section, field);
                return true;
            },
            cancellationToken);
        return sources;
    }

    /// <summary>Deletes everything AiPersona holds about a user — persona, revision history and sessions — and drops the
    /// cached persona, so the next request carries nothing about them.</summary>
    /// <remarks>A persona update of the user that is running (in this process, or on another instance sharing the store)
    /// is waited for, up to <see cref="AiPersonaOptions.OptimizerTimeout"/> plus 30 seconds (for the update's reads and
    /// writes around its optimizer call), and the user's update lock is held while the data is deleted, so no update can
    /// save a persona afterwards. Should the lock still be held after that wait (an instance that died holding a lease),
    /// the data is deleted anyway and a warning is logged. Turns the user sends while this runs may be recorded
    /// afresh.</remarks>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the data is gone.</returns>
    public Task ForgetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        return UnderUpdateLockAsync(
            userId,
            async () =>
            {
                await _sessions.DeleteUserAsync(userId, cancellationToken);
                await _store.DeleteUserAsync(userId, cancellationToken);
                _cache.Remove(userId);
                _scheduler.ClearRetry(userId);
                Log.UserForgotten(_logger, UserIdHash.Of(userId));
                return true;
            },
            cancellationToken);
    }

    /// <summary>Reads everything stored about a user — the persona with the provenance of each value, its revision history
    /// and the session transcripts — for a user who asks for their data. <see cref="UserDataExport.WriteJsonAsync"/>
    /// writes it as a JSON document.</summary>
    /// <remarks>The stores are read directly (not the cached persona), and nothing is written or locked. The persona and
    /// its history are of one version: when a persona update saves while the export reads, the reads are repeated (up to
    /// three times), and the history is cut at the persona's version. A turn the user sends meanwhile may be in the
    /// sessions or not.</remarks>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user's data; an empty persona (version 0) and no history or sessions for a user the stores do not
    /// know.</returns>
    public async Task<UserDataExport> ExportUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        for (var attempt = 1; ; attempt++)
        {
            var persona = await _store.GetAsync(userId, cancellationToken);
            var history = await _store.GetHistoryAsync(userId, cancellationToken);
            var sessions = await _sessions.GetSessionsAsync(userId, cancellationToken);
            var after = await _store.GetAsync(userId, cancellationToken);
            if (after.Version == persona.Version || attempt == MaxExportReads)
            {
                var export = new UserDataExport(userId, _time.GetUtcNow(), persona, [.. history.Where(r => r.Version <= persona.Version)], sessions);
                Log.UserDataExported(_logger, UserIdHash.Of(userId), persona.Version, export.History.Count, sessions.Count);
                return export;
            }
        }
    }

    /// <summary>Deletes one session of a user — a conversation the user deleted in the app — so that the persona never
    /// learns from it.</summary>
    /// <remarks>
    /// <para>Find a conversation's sessions with <see cref="ISessionManager.GetSessionsAsync"/> (their
    /// <see cref="ConversationSession.ConversationId"/>). A pending session is never learned from. A persona update of the
    /// user that is running is waited for (and its lock held), as in <see cref="ForgetUserAsync"/>: when this returns, no
    /// update that read the session is still to save.</para>
    /// <para>What an update learned from the session before it was deleted stays in the persona: the values whose
    /// <see cref="PersonaValue.SourceSessionIds"/> name it. Remove those with <see cref="ForgetFieldAsync"/> if they must
    /// go too. Messages of the conversation that the app sends again later are recorded afresh.</para>
    /// </remarks>
    /// <param name="userId">The user.</param>
    /// <param name="sessionId">The session (<see cref="ConversationSession.Id"/>).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when the session existed and is gone; <see langword="false"/> when the user has no
    /// session with that id.</returns>
    public Task<bool> ForgetSessionAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        return UnderUpdateLockAsync(userId, () => _sessions.DeleteSessionAsync(userId, sessionId, cancellationToken), cancellationToken);
    }

    /// <summary>Lets the persona updates that borrowed the inner client finish, for up to
    /// <see cref="AiPersonaOptions.ShutdownTimeout"/>, then disposes the inner client.</summary>
    /// <returns>A task that completes when the client is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await WithdrawInnerClientAsync().ConfigureAwait(false);
        }

        Dispose();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Background updates run on the thread pool, so blocking here cannot starve them.
            WithdrawInnerClientAsync().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    // Updates that start from now on do not borrow the inner client; those that borrowed it finish with it.
    private async Task WithdrawInnerClientAsync()
    {
        if (_optimizerFallback is null)
        {
            return;
        }

        try
        {
            await _optimizerFallback.WithdrawAsync(InnerClient).WaitAsync(_options.CurrentValue.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // What still runs is cancelled, if need be, when the scheduler itself is disposed.
        }
    }

    // Deletions wait for the user's running update (and hold its lock), so no update saves what was deleted afterwards.
    private async Task<bool> UnderUpdateLockAsync(string userId, Func<Task<bool>> delete, CancellationToken cancellationToken)
    {
        var updateLock = await _scheduler.WaitForUpdateLockAsync(userId, cancellationToken);
        if (updateLock is null)
        {
            Log.ForgetWithoutLock(_logger, UserIdHash.Of(userId), _scheduler.UpdateLockWait);
        }

        try
        {
            return await delete();
        }
        finally
        {
            if (updateLock is not null)
            {
                await updateLock.DisposeAsync();
            }
        }
    }

    private async ValueTask<Turn> PrepareAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var callerMessages = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var innerOptions = WithoutPersonaSettings(options);
        var mode = options.GetPersonalization();
        if (PersonalizationSuppression.IsActive || mode == PersonalizationMode.Private)
        {
            return new Turn(null, callerMessages, innerOptions, callerMessages, options?.ConversationId, PersonaInHistory: false, Continues: false);
        }

        var userId = options.GetPersonaUser();
        if (userId is null && _userResolver is not null)
        {
            userId = await _userResolver.ResolveUserIdAsync(options, cancellationToken);
        }

        var settings = _options.CurrentValue;
        if (userId is null)
        {
            if (settings.RequireUser)
            {
                throw new InvalidOperationException(
                    "This chat client requires a user for every request (AiPersonaOptions.RequireUser), but none was given. " +
                    "Call ChatOptions.WithPersonaUser(userId) or register an IChatUserResolver.");
            }

            Log.NoUser(_logger);
            return new Turn(null, callerMessages, innerOptions, callerMessages, options?.ConversationId, PersonaInHistory: false, Continues: false);
        }

        UserIds.ThrowIfInvalid(userId, nameof(options));
        _scheduler.EnsureRecoveryStarted();

        // A request that fetches a background response (ChatOptions.AllowBackgroundResponses), or resumes its stream,
        // continues the turn of the request that started it, which carried the persona and applied the session
        // boundaries: it goes out as it is (providers take no messages beside a continuation token).
        if (options?.ContinuationToken is not null)
        {
            return new Turn(userId, callerMessages, innerOptions, callerMessages, options.ConversationId, PersonaInHistory: false, Continues: true);
        }

        // Close a session this turn ends (new conversation, idle timeout) first: in inline mode the update it completes
        // is then learned before this request is personalized.
        try
        {
            var pending = await _sessions.BeginTurnAsync(userId, options?.ConversationId, cancellationToken);
            if (pending >= settings.SessionsPerUpdate)
            {
                await _scheduler.RequestUpdateAsync(userId, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.BeginTurnFailed(_logger, ex, UserIdHash.Of(userId));
        }

        // A conversation the service keeps already holds the persona an earlier request of it carried.
        IReadOnlyList<ChatMessage> innerMessages = callerMessages;
        var personaInHistory = _serviceHeld.Contains(userId, options?.ConversationId);
        if (mode == PersonalizationMode.Enabled && !personaInHistory)
        {
            var rendered = await RenderedPersonaAsync(userId, cancellationToken);
            if (rendered.Length > 0)
            {
                innerMessages = WithPersona(callerMessages, rendered);
                personaInHistory = true;
            }
        }

        return new Turn(userId, innerMessages, innerOptions, callerMessages, options?.ConversationId, personaInHistory, Continues: false);
    }

    // Personalization must not take the chat down: without the persona store the request goes out unpersonalized. Only
    // the caller's own cancellation ends the call; a store that times out as TaskCanceledException (HttpClient.Timeout)
    // fails like any other store.
    private async Task<string> RenderedPersonaAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            return await _cache.GetRenderedAsync(userId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PersonaLoadFailed(_logger, ex, UserIdHash.Of(userId));
            return string.Empty;
        }
    }

    private async Task RecordAsync(Turn turn, ChatResponse response, Activity? activity, CancellationToken cancellationToken)
    {
        if (turn.PersonaInHistory)
        {
            _serviceHeld.Continue(turn.UserId!, turn.ConversationId, response.ConversationId);
        }

        // A background response still running (it carries a continuation token) has no reply yet: the request's messages
        // are recorded now, the reply by the request that fetches it finished.
        var finished = response.ContinuationToken is null;
        if (turn.Continues && !finished)
        {
            return;
        }

        int pending;
        try
        {
            var reply = finished ? response.Messages : [];
            pending = (await _sessions.RecordTurnAsync(turn.UserId!, turn.ConversationId, turn.CallerMessages, reply, response.ConversationId, cancellationToken)).PendingSessionCount;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RecordFailed(_logger, ex, UserIdHash.Of(turn.UserId!));
            return;
        }

        activity?.SetTag(AiPersonaTelemetry.RecordedTag, true);
        activity?.SetTag(AiPersonaTelemetry.PendingSessionsTag, pending);
        if (pending >= _options.CurrentValue.SessionsPerUpdate)
        {
            await _scheduler.RequestUpdateAsync(turn.UserId!, cancellationToken);
        }
    }

    // The turn's span (when something listens): whose turn it was, hashed, and whether the persona went with it. The inner
    // client's own spans (the provider call, with OpenTelemetryChatClient) are its children.
    private static void Describe(Activity? activity, Turn turn)
    {
        if (activity is null || turn.UserId is null)
        {
            return;
        }

        activity.SetTag(AiPersonaTelemetry.UserTag, UserIdHash.Of(turn.UserId));
        activity.SetTag(AiPersonaTelemetry.PersonaSentTag, turn.PersonaSent);
    }

    // An application's names are matched as the optimizer's are: "Values and interests" is the schema's
    // values_and_interests (or the persona's spelling of a field outside the schema), not a field beside it.
    private static PersonaEdit Spelled(PersonaEdit edit, PersonaSchema schema, Persona persona)
    {
        var (section, field) = schema.Spelling(persona, edit.Section, edit.Field);
        return edit with { Section = section, Field = field };
    }

    // The persona goes after the caller's leading system messages: the app's own prompt stays first and unchanged.
    private static List<ChatMessage> WithPersona(IReadOnlyList<ChatMessage> messages, string rendered)
    {
        var result = new List<ChatMessage>(messages.Count + 1);
        var index = 0;
        while (index < messages.Count && messages[index].Role == ChatRole.System)
        {
            result.Add(messages[index++]);
        }

        result.Add(new ChatMessage(ChatRole.System, rendered));
        for (; index < messages.Count; index++)
        {
            result.Add(messages[index]);
        }

        return result;
    }

    // AiPersona's settings must not reach the provider; the caller's options are copied, never changed.
    private static ChatOptions? WithoutPersonaSettings(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        if (properties is null || !(properties.ContainsKey(ChatOptionsPersonaExtensions.UserIdKey) || properties.ContainsKey(ChatOptionsPersonaExtensions.ModeKey)))
        {
            return options;
        }

        var copy = options!.Clone();
        var remaining = new AdditionalPropertiesDictionary();
        foreach (var (key, value) in properties)
        {
            if (key != ChatOptionsPersonaExtensions.UserIdKey && key != ChatOptionsPersonaExtensions.ModeKey)
            {
                remaining[key] = value;
            }
        }

        copy.AdditionalProperties = remaining.Count == 0 ? null : remaining;
        return copy;
    }

    private static T Resolve<T>(IServiceProvider services)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<T>()
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered. Call services.AddAiPersona() before building the personalized chat client.");
    }

    private sealed record Turn(
        string? UserId,
        IReadOnlyList<ChatMessage> Messages,
        ChatOptions? Options,
        IReadOnlyList<ChatMessage> CallerMessages,
        string? ConversationId,
        bool PersonaInHistory,
        bool Continues)
    {
        public bool Record => UserId is not null;

        // The persona goes along exactly when the request is a new list with it added.
        public bool PersonaSent => !ReferenceEquals(Messages, CallerMessages);
    }
}
