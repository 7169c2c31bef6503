using System.Security.Cryptography;
using System.Text;

namespace AiPersona;

/// <summary>Hashes user ids for logs and telemetry, which never carry a raw user id above Trace level.</summary>
internal static class UserIdHash
{
    public static string Of(string userId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), hash);
        return Convert.ToHexStringLower(hash[..6]);
    }
}
