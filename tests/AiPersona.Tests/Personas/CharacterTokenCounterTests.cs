namespace AiPersona.Tests.Personas;

/// <summary>The default token estimate: a quarter of a token per ASCII character, a whole one per Chinese, Japanese or
/// Korean character (and per half of a surrogate pair), half of one for any other character; rounded up.</summary>
public sealed class CharacterTokenCounterTests
{
    private static readonly CharacterTokenCounter Counter = CharacterTokenCounter.Instance;

    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("abcd", 1)]
    [InlineData("abcde", 2)]
    [InlineData("Prefers short answers", 6)] // 21 characters
    public void AsciiText_IsOneTokenPerFourCharacters_RoundedUp(string text, int tokens)
        => Assert.Equal(tokens, Counter.CountTokens(text));

    [Theory]
    [InlineData("喜欢摄影", 4)] // Chinese
    [InlineData("レシピが好き", 6)] // Japanese kana and a kanji
    [InlineData("간결한 답변", 6)] // Korean syllables, and a space as a quarter
    [InlineData("\u3001\uFF01", 2)] // an ideographic comma, a full-width exclamation mark
    public void EastAsianCharacters_AreATokenEach(string text, int tokens)
        => Assert.Equal(tokens, Counter.CountTokens(text));

    [Theory]
    [InlineData("Привет", 3)] // Cyrillic
    [InlineData("नमस्ते", 3)] // Devanagari: letters and vowel signs
    [InlineData("ü", 1)]
    [InlineData("über", 2)] // half for ü, three quarters for "ber"
    public void OtherCharacters_AreHalfATokenEach(string text, int tokens)
        => Assert.Equal(tokens, Counter.CountTokens(text));

    // Each end of each East Asian range (a token per character: four copies are four tokens) and the character beside it
    // outside (half a token: four copies are two). Four copies, so that rounding up hides no quarter.
    [Theory]
    [InlineData('\u007F', 1)]
    [InlineData('\u0080', 2)]
    [InlineData('\u10FF', 2)]
    [InlineData('\u1100', 4)] // Hangul Jamo
    [InlineData('\u11FF', 4)]
    [InlineData('\u1200', 2)]
    [InlineData('\u2E7F', 2)]
    [InlineData('\u2E80', 4)] // CJK radicals … ideographs
    [InlineData('\u9FFF', 4)]
    [InlineData('\uA000', 4)] // Yi
    [InlineData('\uA4CF', 4)]
    [InlineData('\uA4D0', 2)]
    [InlineData('\uA95F', 2)]
    [InlineData('\uA960', 4)] // Hangul Jamo Extended-A
    [InlineData('\uA97F', 4)]
    [InlineData('\uA980', 2)]
    [InlineData('\uABFF', 2)]
    [InlineData('\uAC00', 4)] // Hangul syllables, Jamo Extended-B
    [InlineData('\uD7FF', 4)]
    [InlineData('\uF8FF', 2)]
    [InlineData('\uF900', 4)] // CJK Compatibility Ideographs
    [InlineData('\uFAFF', 4)]
    [InlineData('\uFB00', 2)]
    [InlineData('\uFE2F', 2)]
    [InlineData('\uFE30', 4)] // CJK Compatibility Forms
    [InlineData('\uFE4F', 4)]
    [InlineData('\uFE50', 2)]
    [InlineData('\uFEFF', 2)]
    [InlineData('\uFF00', 4)] // half-width and full-width forms
    [InlineData('\uFFEF', 4)]
    [InlineData('\uFFF0', 2)]
    public void RangeEnds_CountAsDocumented(char c, int tokensForFour)
        => Assert.Equal(tokensForFour, Counter.CountTokens(new string(c, 4)));

    [Fact]
    public void HalvesOfSurrogatePairs_AreATokenEach()
    {
        Assert.Equal(4, Counter.CountTokens(new string('\uD800', 4))); // not in InlineData, which cannot hold half a pair
        Assert.Equal(4, Counter.CountTokens(new string('\uDFFF', 4)));
    }

    [Fact]
    public void AnEmoji_IsTwoTokens()
    {
        Assert.Equal(2, Counter.CountTokens("\U0001F600"));
        Assert.Equal(3, Counter.CountTokens("ok \U0001F600"));
    }

    [Fact]
    public void NullText_Throws()
        => Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => Counter.CountTokens(null!)).ParamName);
}
