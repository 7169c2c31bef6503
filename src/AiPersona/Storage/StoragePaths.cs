using System.Security.Cryptography;
using System.Text;

namespace AiPersona;

/// <summary>Maps user ids to file names and guards every path a file store touches.</summary>
internal static class StoragePaths
{
    private const int ReadablePrefixLength = 24;

    /// <summary>Maps any user id to a name made only of <c>[a-z0-9-]</c>: a readable prefix plus a hash of the whole id,
    /// so distinct ids never share a file, even on case-insensitive file systems.</summary>
    public static string GetUserKey(string userId)
    {
        UserIds.ThrowIfInvalid(userId);
        var prefix = new StringBuilder(ReadablePrefixLength);
        foreach (var c in userId)
        {
            if (prefix.Length == ReadablePrefixLength)
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
