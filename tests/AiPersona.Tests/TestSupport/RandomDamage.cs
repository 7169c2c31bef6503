using System.Text;

namespace AiPersona.Tests;

/// <summary>Damages text at random for the seeded fuzz tests: one to <c>maxChanges</c> times, a run of up to
/// <c>maxRun</c> characters is dropped or repeated, or one character of <c>alphabet</c> is inserted or written over one.</summary>
internal static class RandomDamage
{
    /// <summary>What the stores' fuzz tests insert into a stored JSON document: JSON's own characters, digits and the
    /// letters of dates and literals, and U+0000.</summary>
    public const string StoredJsonAlphabet = "{}[]\",:\\ 0123456789-TZnul\u0000";

    public static string Apply(string text, Random random, string alphabet, int maxChanges, int maxRun)
    {
        var damaged = new StringBuilder(text);
        for (var change = random.Next(1, maxChanges + 1); change > 0 && damaged.Length > 0; change--)
        {
            var at = random.Next(damaged.Length);
            var length = Math.Min(random.Next(1, maxRun + 1), damaged.Length - at);
            switch (random.Next(4))
            {
                case 0: damaged.Remove(at, length); break;
                case 1: damaged.Insert(at, damaged.ToString(at, length)); break;
                case 2: damaged.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                default: damaged[at] = alphabet[random.Next(alphabet.Length)]; break;
            }
        }

        return damaged.ToString();
    }
}
