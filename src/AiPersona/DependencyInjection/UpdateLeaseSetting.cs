namespace AiPersona;

/// <summary>The expiry of the update lock a storage package registered (its lease rows), so that the options can be checked
/// against it: a lease must outlast the longest an update holds it.</summary>
/// <param name="OptionName">The option that sets the duration, as a user writes it (<c>SqliteStorageOptions.UpdateLeaseDuration</c>).</param>
/// <param name="Duration">How long a lease lasts.</param>
internal sealed record UpdateLeaseSetting(string OptionName, TimeSpan Duration);
