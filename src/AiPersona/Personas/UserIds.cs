namespace AiPersona;

/// <summary>Checks user ids. Any non-blank string of valid Unicode text (no unpaired surrogate) up to
/// <see cref="MaxLength"/> characters is a valid id; stores map it to safe keys themselves.</summary>
internal static class UserIds
{
    /// <summary>The longest accepted user id, in UTF-16 code units.</summary>
    public const int MaxLength = 8192;

    public static bool IsValid(string? userId)
        => !string.IsNullOrWhiteSpace(userId) && userId.Length <= MaxLength && UnicodeText.IndexOfLoneSurrogate(userId) < 0;

    public static void ThrowIfInvalid(string? userId, string paramName = "userId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId, paramName);
        if (userId.Length > MaxLength)
        {
            throw new ArgumentException($"A user id may have at most {MaxLength} characters; this one has {userId.Length}.", paramName);
        }

        // Storage keys hash the id's UTF-8 bytes: ids differing only in unpaired surrogates would share one user's data.
        if (UnicodeText.IndexOfLoneSurrogate(userId) is var index and >= 0)
        {
            throw new ArgumentException($"A user id must be valid Unicode text; this one holds half of a surrogate pair at index {index}.", paramName);
        }
    }
}
