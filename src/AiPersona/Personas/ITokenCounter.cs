namespace AiPersona;

/// <summary>Counts the tokens a text takes in the chat model's tokenizer, so the rendered persona stays within
/// <see cref="AiPersonaOptions.PersonaTokenBudget"/>.</summary>
/// <remarks>The default estimates from the characters: a quarter of a token per ASCII character, one per Chinese, Japanese
/// or Korean character, half of one per other character. That is close to gpt-4o's tokenizer or above it for most
/// languages, but older tokenizers (gpt-4's cl100k) and other models' count many scripts higher. The
/// <c>AiPersona.Tokenizers</c> package counts exactly with Microsoft.ML.Tokenizers (<c>UseTiktokenTokenizer()</c>).
/// Implementations must be thread-safe and deterministic.</remarks>
public interface ITokenCounter
{
    /// <summary>Counts the tokens of a text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens.</returns>
    int CountTokens(string text);
}
