using System.Security.Cryptography;
using System.Text;

namespace AiPersona;

/// <summary>Maps user ids to file names and guards every path a file store touches.</summary>
internal static class StoragePaths
{
    private const int LegacyPrefixLength = 24;

    /// <summary>Maps any user id to a file name: the hex SHA-256 of the id (the key the database stores use), so distinct
    /// ids never share a file, even on case-insensitive file systems, and no file name, path or error message carries the
    /// id itself.</summary>
    public static string GetUserKey(string userId) => UserKeys.Of(userId);

    /// <summary>The name releases up to 0.1 used: a readable prefix of the id's ASCII letters and digits plus 128 bits of
    /// its SHA-256. Read only to adopt data written under it.</summary>
    public static string GetLegacyUserKey(string userId)
    {
        UserIds.ThrowIfInvalid(userId);
        var prefix = new StringBuilder(LegacyPrefixLength);
        foreach (var c in userId)
        {
            if (prefix.Length == LegacyPrefixLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                prefix.Append(char.ToLowerInvariant(c));
            }
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), hash);
        var digest = Convert.ToHexStringLower(hash[..16]);
        return prefix.Length == 0 ? digest : $"{prefix}-{digest}";
    }

    /// <summary>Renames a file or folder written under a user's legacy name to its current name, unless the current one
    /// exists. Safe when several stores race: the rename is atomic and the loser finds the current name in place.</summary>
    public static void AdoptLegacy(string legacyPath, string currentPath)
    {
        if (Path.Exists(currentPath) || !Path.Exists(legacyPath))
        {
            return;
        }

        try
        {
            if (Directory.Exists(legacyPath))
            {
                Directory.Move(legacyPath, currentPath);
            }
            else
            {
                File.Move(legacyPath, currentPath, overwrite: false);
            }
        }
        catch (IOException) when (Path.Exists(currentPath))
        {
            // Another store adopted it first.
        }
    }

    /// <summary>Resolves the root directory to a full path, creating it.</summary>
    public static string PrepareRoot(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        var full = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(full);
        return full;
    }

    /// <summary>Combines the root with relative parts and refuses any result outside the root.</summary>
    public static string Combine(string root, params ReadOnlySpan<string> parts)
    {
        var path = root;
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
        }

        var full = Path.GetFullPath(path);
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A storage path resolved outside the store's root directory; the operation was refused.");
        }

        return full;
    }
}
