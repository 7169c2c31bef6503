namespace AiPersona;

/// <summary>Stores personas and their revision history.</summary>
/// <remarks>
/// Implementations are thread-safe. Saving uses optimistic concurrency: a change based on a version that is no longer
/// current is refused with <see cref="PersonaConcurrencyException"/>, never silently overwritten.
/// </remarks>
public interface IPersonaStore
{
    /// <summary>Gets a user's persona.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The persona, or an empty persona at version 0 when the user has none.</returns>
    Task<Persona> GetAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Saves a change and appends its revisions to the history, atomically.</summary>
    /// <param name="change">The change, made with <see cref="Persona.ApplyEdits"/> on the version that was read. A change
    /// based on version 0 (the store holds no persona for the user) may also bring a persona of any version with its whole
    /// history: that is how a persona is copied from another store (<see cref="AiPersonaStorageCopy"/>).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The saved persona.</returns>
    /// <exception cref="PersonaConcurrencyException">The stored version is not <see cref="PersonaChange.BaseVersion"/>.</exception>
    Task<Persona> SaveAsync(PersonaChange change, CancellationToken cancellationToken = default);

    /// <summary>Lists every recorded change of a user's persona, oldest first.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The revisions; empty when the user has none.</returns>
    Task<IReadOnlyList<PersonaRevision>> GetHistoryAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Lists every user the store holds a persona for, each once, in no particular order. Large stores are read a
    /// page at a time. For copying a store (<see cref="AiPersonaStorageCopy"/>) and other work over all users; the chat
    /// pipeline does not call it.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user ids.</returns>
    IAsyncEnumerable<string> GetUserIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the revisions of one field from a user's history (section and field names compare ignoring case,
    /// as in <see cref="Persona"/>). The persona itself is not changed: remove the field's value first, or use
    /// <see cref="PersonalizedChatClient.ForgetFieldAsync"/>, which does both.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of revisions deleted.</returns>
    Task<int> DeleteFieldHistoryAsync(string userId, string section, string field, CancellationToken cancellationToken = default);

    /// <summary>Deletes everything the store holds for a user: persona and history.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the user's data is gone.</returns>
    Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default);
}
