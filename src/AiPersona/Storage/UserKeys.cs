using System.Security.Cryptography;
using System.Text;

namespace AiPersona;

/// <summary>Keys database stores use for users: the hex SHA-256 of the id's UTF-8 bytes (fixed length, any id string),
/// with the id itself kept as UTF-8 bytes, since some databases refuse NUL in text.</summary>
internal static class UserKeys
{
    public static string Of(string userId)
    {
        UserIds.ThrowIfInvalid(userId);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)));
    }

    public static byte[] Encode(string userId) => Encoding.UTF8.GetBytes(userId);

    public static string Decode(byte[] stored) => Encoding.UTF8.GetString(stored);
}
