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
    [InlineData("\u1100\u2E80\u3105\uA000\uA960\uD7FF\uF900\uFE30", 8)] // Jamo, a radical, Bopomofo, Yi, Jamo A and B, compatibility forms
    public void EastAsianCharacters_AreATokenEach(string text, int tokens)
        => Assert.Equal(tokens, Counter.CountTokens(text));

    [Theory]
    [InlineData("Привет", 3)] // Cyrillic
    [InlineData("नमस्ते", 3)] // Devanagari: letters and vowel signs
    [InlineData("ü", 1)]
    [InlineData("über", 2)] // half for ü, three quarters for "ber"
    [InlineData("\u0080\u1200\u2E7F\uA4D0\uA95F\uA980\uFB00\uFE2F\uFE50\uFFF0", 5)] // just outside the East Asian ranges
    public void OtherCharacters_AreHalfATokenEach(string text, int tokens)
        => Assert.Equal(tokens, Counter.CountTokens(text));

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
