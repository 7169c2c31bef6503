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

        var persona = await _store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        return Put(persona, cached, now).Text;
    }

    /// <summary>Replaces the cached persona after this process saved a newer version.</summary>
    public void Set(Persona persona)
    {
        ArgumentNullException.ThrowIfNull(persona);
        _entries.TryGetValue(persona.UserId, out var cached);
        Put(persona, cached, _time.GetUtcNow());
    }

    public void Remove(string userId) => _entries.TryRemove(userId, out _);

    private Entry Put(Persona persona, Entry? cached, DateTimeOffset now)
    {
        var options = _options.CurrentValue;

        // The same version renders the same text: keep it rather than render again.
        var text = cached is not null && cached.Version == persona.Version
            ? cached.Text
            : _renderer.Render(persona, options.Schema, options.PersonaTokenBudget);
        var entry = new Entry(persona.Version, text, now);
        if (options.PersonaCacheDuration <= TimeSpan.Zero)
        {
            return entry;
        }

        if (_entries.Count >= MaxEntries)
        {
            MakeRoom(now, options.PersonaCacheDuration);
        }

        // A slow load of an older version never replaces a newer one saved meanwhile, and the newer one is what this
        // request gets.
        return _entries.AddOrUpdate(persona.UserId, entry, (_, existing) => existing.Version > entry.Version ? existing : entry);
    }

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

    private sealed record Entry(long Version, string Text, DateTimeOffset LoadedAt);
}
