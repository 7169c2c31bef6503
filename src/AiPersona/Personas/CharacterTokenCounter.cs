namespace AiPersona;

/// <summary>The default <see cref="ITokenCounter"/>: an estimate from the characters, without shipping a tokenizer. An ASCII
/// character counts a quarter of a token, a character of a Chinese, Japanese or Korean script (and each half of an emoji's
/// surrogate pair) a whole one, any other character half of one; the sum is rounded up.</summary>
/// <remarks>BPE tokenizers pack English into about four characters a token, other scripts far less densely. Measured
/// with gpt-4o's tokenizer (o200k) on one sentence of persona text in each of thirteen languages: 0.27–0.41 tokens per
/// character in Russian, Greek, Arabic, Hebrew, Hindi and Thai, 0.72–0.86 in Chinese, Japanese and Korean; older
/// tokenizers (cl100k) take more. On those sentences and one with emoji, this estimate came to 0.89–1.7 times gpt-4o's
/// count (under it only for German) and 0.43–1.33 times cl100k's; one token per four characters, the estimate before it,
/// came to 0.32–1.33 and 0.16–1.33.</remarks>
internal sealed class CharacterTokenCounter : ITokenCounter
{
    public static CharacterTokenCounter Instance { get; } = new();

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long quarters = 0;
        foreach (var c in text)
        {
            quarters += Quarters(c);
        }

        return (int)((quarters + 3) / 4); // at most the text's length: never overflows
    }

    private static int Quarters(char c) => c switch
    {
        < '\u0080' => 1,
        >= '\u1100' and <= '\u11FF' => 4,   // Hangul Jamo
        >= '\u2E80' and <= '\u9FFF' => 4,   // CJK radicals and punctuation, kana, Bopomofo, Hangul compatibility Jamo, ideographs
        >= '\uA000' and <= '\uA4CF' => 4,   // Yi
        >= '\uA960' and <= '\uA97F' => 4,   // Hangul Jamo Extended-A
        >= '\uAC00' and <= '\uD7FF' => 4,   // Hangul syllables, Hangul Jamo Extended-B
        >= '\uD800' and <= '\uDFFF' => 4,   // surrogates: emoji, CJK Extensions B and later
        >= '\uF900' and <= '\uFAFF' => 4,   // CJK Compatibility Ideographs
        >= '\uFE30' and <= '\uFE4F' => 4,   // CJK Compatibility Forms
        >= '\uFF00' and <= '\uFFEF' => 4,   // half-width and full-width forms
        _ => 2,
    };
}
