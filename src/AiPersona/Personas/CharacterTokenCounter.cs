namespace AiPersona;

/// <summary>The default <see cref="ITokenCounter"/>: one token per four characters, rounded up. Close to common BPE
/// tokenizers for English text, without shipping a tokenizer.</summary>
internal sealed class CharacterTokenCounter : ITokenCounter
{
    public static CharacterTokenCounter Instance { get; } = new();

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return (text.Length + 3) / 4;
    }
}
