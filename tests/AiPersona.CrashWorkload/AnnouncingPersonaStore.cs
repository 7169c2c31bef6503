namespace AiPersona.CrashWorkload;

/// <summary>Wraps the backend's persona store and says on standard output when a persona is saved, so the test can kill
/// the process between an update's save and the marking of its sessions as learned.</summary>
internal sealed class AnnouncingPersonaStore(IPersonaStore inner) : IPersonaStore
{
    public Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default) => inner.GetAsync(userId, cancellationToken);

    public async Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default)
    {
        var saved = await inner.SaveAsync(change, cancellationToken);
        Console.WriteLine($"saved {saved.UserId} {saved.Version}");
        return saved;
    }

    public Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(userId, cancellationToken);

    public IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default) => inner.GetUserIdsAsync(cancellationToken);

    public Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default)
        => inner.DeleteFieldHistoryAsync(userId, section, field, cancellationToken);

    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default) => inner.DeleteUserAsync(userId, cancellationToken);
}
