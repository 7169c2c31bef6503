using Microsoft.ML.Tokenizers;

namespace AiPersona;

/// <summary>Counts tokens with a Microsoft.ML.Tokenizers <see cref="Tokenizer"/> (thread-safe for counting).</summary>
internal sealed class TokenizerTokenCounter : ITokenCounter
{
    private readonly Tokenizer _tokenizer;

    public TokenizerTokenCounter(Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
    }

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.CountTokens(text);
    }
}
