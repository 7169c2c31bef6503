using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Loaded personas and their rendered text, per user. Rendering happens once per persona version; an entry is
/// reloaded after <see cref="AiPersonaOptions.PersonaCacheDuration"/>, and replaced at once by updates of this process.</summary>
internal sealed class PersonaCache
{
    internal const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IPersonaStore _store;
    private readonly IPersonaRenderer _renderer;
    private readonly IOptionsMonitor<AiPersonaOptions> _options;
    private readonly TimeProvider _time;
    private long _removals;

    public PersonaCache(IPersonaStore store, IPersonaRenderer renderer, IOptionsMonitor<AiPersonaOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _renderer = renderer;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the rendered persona of a user (an empty string when there is nothing to render).</summary>
    public async Task<string> GetRenderedAsync(string userId, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(userId, out var cached) && now - cached.LoadedAt < options.PersonaCacheDuration)
        {
            return cached.Text;
        }

        var removals = Interlocked.Read(ref _removals);
        var persona = await _store.GetAsync(userId, cancellationToken).ConfigureAwait(false);

        // A user forgotten while this read was on its way: this request may still get what it read, but it is not kept.
        return removals == Interlocked.Read(ref _removals)
            ? Put(persona, cached, now, loadStartedAt: now).Text
            : Render(persona, cached, _options.CurrentValue);
    }

    /// <summary>Replaces the cached persona after this process saved a newer version.</summary>
    public void Set(Persona persona)
    {
        ArgumentNullException.ThrowIfNull(persona);
        _entries.TryGetValue(persona.UserId, out var cached);
        Put(persona, cached, _time.GetUtcNow());
    }

    public void Remove(string userId)
    {
        Interlocked.Increment(ref _removals);
        _entries.TryRemove(userId, out _);
    }

    private Entry Put(Persona persona, Entry? cached, DateTimeOffset now, DateTimeOffset? loadStartedAt = null)
    {
        var options = _options.CurrentValue;

        var entry = new Entry(persona.Version, persona.UpdatedAt, options, Render(persona, cached, options), now);
        if (options.PersonaCacheDuration <= TimeSpan.Zero)
        {
            return entry;
        }

        if (_entries.Count >= MaxEntries)
        {
            MakeRoom(now, options.PersonaCacheDuration);
        }

        return _entries.AddOrUpdate(persona.UserId, entry, (_, existing) => Supersedes(existing, entry, loadStartedAt) ? existing : entry);
    }

    // A slow load of an older version (or a lagging read replica) never replaces a newer one saved meanwhile, and the newer
    // one is what the request gets: a higher version saved no earlier (two saves can share a clock tick), or the same
    // version saved later (the user was forgotten and learned anew, and the load read what was there before). But a version
    // that went back because the user was forgotten (perhaps by another instance: nothing stored, version 0) or forgotten
    // and learned anew (a lower version, changed later) is the truth; except that a load that found nothing does not
    // replace an entry put while it was on its way (this process saved the user's first update meanwhile), which is as new
    // as anything that load could have read. The same version saved at the same instant is the same persona: the load
    // replaces it, rendered with the options of now.
    private static bool Supersedes(Entry existing, Entry loaded, DateTimeOffset? loadStartedAt)
        => loaded.Version > 0
            ? (existing.Version > loaded.Version && existing.UpdatedAt >= loaded.UpdatedAt)
                || (existing.Version == loaded.Version && existing.UpdatedAt > loaded.UpdatedAt)
            : existing.Version > 0 && existing.LoadedAt >= loadStartedAt;

    // The same version renders the same text with the same options: keep it rather than render again. Options reloaded
    // from configuration (a field made never-store, a smaller budget) come as a new instance and render anew.
    private string Render(Persona persona, Entry? cached, AiPersonaOptions options)
        => cached is not null && cached.Version == persona.Version && cached.UpdatedAt == persona.UpdatedAt && ReferenceEquals(cached.RenderedWith, options)
            ? cached.Text
            : _renderer.Render(persona, options.Schema, options.PersonaTokenBudget);

    // Entries past their duration are of no use and go first, so users chatting now keep theirs; only when every entry is
    // fresh (more than MaxEntries users within one cache duration) is the cache emptied.
    private void MakeRoom(DateTimeOffset now, TimeSpan duration)
    {
        foreach (var (userId, entry) in _entries)
        {
            if (now - entry.LoadedAt >= duration)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(userId, entry));
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(long Version, DateTimeOffset UpdatedAt, AiPersonaOptions RenderedWith, string Text, DateTimeOffset LoadedAt);
}
