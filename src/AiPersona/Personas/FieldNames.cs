using System.Text;

namespace AiPersona;

/// <summary>Compares section and field names as a model may write them: "Values and interests" and
/// "values-and-interests" are <c>values_and_interests</c>, and "año" is one name whether its "ñ" is one character or
/// an "n" and a combining tilde.</summary>
internal static class FieldNames
{
    /// <summary>Whether two names are one, ignoring case, runs of spaces, hyphens and underscores, and differences of
    /// Unicode form (composed or decomposed accents, full-width letters).</summary>
    public static bool Same(string a, string b) => string.Equals(Key(a), Key(b), StringComparison.Ordinal);

    /// <summary>The name in Unicode compatibility form (NFKC) and lower case, with each run of spaces, underscores and
    /// hyphens inside it as one underscore.</summary>
    public static string Key(string name)
    {
        var key = new StringBuilder(name.Length);
        var gap = false;
        foreach (var c in UnicodeText.ToCompatibilityForm(name).Trim())
        {
            if (c is ' ' or '_' or '-')
            {
                gap = key.Length > 0;
                continue;
            }

            if (gap)
            {
                key.Append('_');
                gap = false;
            }

            key.Append(char.ToLowerInvariant(c));
        }

        return key.ToString();
    }
}
