namespace AiPersona.Tests.Personas;

public sealed class UnicodeTextTests
{
    [Fact]
    public void ToStorable_ReplacesEveryUnpairedSurrogateAndNul_AndKeepsWholePairs()
    {
        var text = "a\uD800b\0c\uD83D\uDE00d\uDC00\uDC00e\uD83D";

        Assert.Equal("a\uFFFDb\uFFFDc\uD83D\uDE00d\uFFFD\uFFFDe\uFFFD", UnicodeText.ToStorable(text));
    }

    // In code, not in [InlineData]: an attribute keeps its strings as UTF-8, which has no lone surrogate.
    [Fact]
    public void ToStorable_ReplacesTheFirstCharacter_WhenItIsTheOneToReplace()
    {
        Assert.Equal("\uFFFDabc", UnicodeText.ToStorable("\0abc"));
        Assert.Equal("\uFFFDabc", UnicodeText.ToStorable("\uDC00abc"));
        Assert.Equal("\uFFFD", UnicodeText.ToStorable("\uD800"));
    }

    [Fact]
    public void ToStorable_ReturnsTheSameInstance_WhenThereIsNothingToReplace()
    {
        var text = "Ana \uD83D\uDE00 ümlaut 用户";

        Assert.Same(text, UnicodeText.ToStorable(text));
        Assert.Null(UnicodeText.ToStorable(null));
    }

    [Fact]
    public void IndexOfLoneSurrogate_FindsTheFirst_AndIgnoresNul()
    {
        Assert.Equal(3, UnicodeText.IndexOfLoneSurrogate("a\0b\uDC00\uD800"));
        Assert.Equal(-1, UnicodeText.IndexOfLoneSurrogate("a\0b\uD83D\uDE00"));
    }

    [Fact]
    public void Truncate_NeverCutsASurrogatePair_AndTakesZeroAsNothing()
    {
        Assert.Equal("ab", UnicodeText.Truncate("abc", 2));
        Assert.Equal("a", UnicodeText.Truncate("a\uD83D\uDE00", 2));
        Assert.Equal("a\uD83D\uDE00", UnicodeText.Truncate("a\uD83D\uDE00b", 3));
        Assert.Equal("abc", UnicodeText.Truncate("abc", 3));
        Assert.Equal(string.Empty, UnicodeText.Truncate("abc", 0));
        Assert.Equal(string.Empty, UnicodeText.Truncate("\uD83D\uDE00", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnicodeText.Truncate("abc", -1));
    }

    [Fact]
    public void ToCompatibilityForm_FoldsFullWidthLettersAndComposesAccents_EvenBesideHalfASurrogatePair()
    {
        Assert.Equal("ignore caf\u00E9", UnicodeText.ToCompatibilityForm("\uFF49\uFF47\uFF4E\uFF4F\uFF52\uFF45 cafe\u0301"));
        Assert.Equal("ignore \uFFFD", UnicodeText.ToCompatibilityForm("\uFF49\uFF47\uFF4E\uFF4F\uFF52\uFF45 \uD800")); // Normalize alone throws
        var plain = "Ana \uD83D\uDE00 caf\u00E9";
        Assert.Same(plain, UnicodeText.ToCompatibilityForm(plain));
    }
}
