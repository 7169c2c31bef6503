namespace AiPersona;

/// <summary>Estimates tokens as one per four characters, rounded up: close to common BPE tokenizers for English text,
/// and conservative enough for a prompt budget without shipping a tokenizer.</summary>
internal static class TokenEstimate
{
    public static int Of(string text) => OfLength(text.Length);

    public static int OfLength(int characters) => (characters + 3) / 4;
}
