namespace AiPersona;

/// <summary>Counts the tokens a text takes in the chat model's tokenizer, so the rendered persona stays within
/// <see cref="AiPersonaOptions.PersonaTokenBudget"/>.</summary>
/// <remarks>The default estimates one token per four characters, which suits English text with common BPE tokenizers
/// but undercounts other scripts: gpt-4o's tokenizer counts Chinese and Japanese values two to three times the estimate. The
/// <c>AiPersona.Tokenizers</c> package counts exactly with Microsoft.ML.Tokenizers (<c>UseTiktokenTokenizer()</c>).
/// Implementations must be thread-safe and deterministic.</remarks>
public interface ITokenCounter
{
    /// <summary>Counts the tokens of a text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens.</returns>
    int CountTokens(string text);
}
