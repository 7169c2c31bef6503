namespace AiPersona;

/// <summary>Makes sure one user's persona is updated by one worker at a time: within a process by default, across
/// every instance of the app when a shared store provides a distributed implementation (a lease that expires when its
/// holder dies).</summary>
public interface IPersonaUpdateLock
{
    /// <summary>Tries to take the user's update lock without waiting.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A handle that releases the lock when disposed, or <see langword="null"/> when another worker holds it.</returns>
    ValueTask<IAsyncDisposable?> TryAcquireAsync(string userId, CancellationToken cancellationToken = default);
}
