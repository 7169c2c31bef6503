namespace AiPersona;

/// <summary>Keeps personas and history in process memory. For tests, samples and single-process apps that can lose
/// what they learned on restart.</summary>
public sealed class InMemoryPersonaStore : IPersonaStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            return Task.FromResult(_entries.TryGetValue(userId, out var entry) ? entry.Persona : Persona.CreateEmpty(userId));
        }
    }

    /// <inheritdoc/>
    public Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default)
    {
        PersonaChanges.ThrowIfInvalid(change);
        cancellationToken.ThrowIfCancellationRequested();
        var userId = change.Updated.UserId;
        lock (_lock)
        {
            _entries.TryGetValue(userId, out var entry);
            PersonaChanges.ThrowIfConflict(change, entry?.Persona.Version ?? 0);
            var history = entry?.History ?? [];
            _entries[userId] = new Entry(change.Updated, [.. history, .. change.Revisions]);
            return Task.FromResult(change.Updated);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            return Task.FromResult(_entries.TryGetValue(userId, out var entry) ? entry.History : (IReadOnlyList<PersonaRevision>)[]);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _entries.Keys.ToArray().ToAsyncEnumerable();
        }
    }

    /// <inheritdoc/>
    public Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        PersonaChanges.ThrowIfInvalidField(section, field);
        lock (_lock)
        {
            if (!_entries.TryGetValue(userId, out var entry))
            {
                return Task.FromResult(0);
            }

            IReadOnlyList<PersonaRevision> kept = [.. entry.History.Where(r => !PersonaChanges.IsRevisionOf(r, section, field))];
            _entries[userId] = entry with { History = kept };
            return Task.FromResult(entry.History.Count - kept.Count);
        }
    }

    /// <inheritdoc/>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ThrowIfInvalid(userId);
        lock (_lock)
        {
            _entries.Remove(userId);
        }

        return Task.CompletedTask;
    }

    private sealed record Entry(Persona Persona, IReadOnlyList<PersonaRevision> History);
}
