using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

/// <summary>The Conversation RAG baseline's retrieval without an embedding model: cosine similarity of term counts.</summary>
public sealed class LexicalSimilarityTests
{
    [Fact]
    public void CountsWordsOfThreeLettersOrMore_IgnoringCase()
    {
        Assert.Equal(1, LexicalSimilarity.Cosine("Vegan dinner, please!", "please: VEGAN dinner"), 12);
        Assert.Equal(0, LexicalSimilarity.Cosine("vegan dinner", "hiking boots"));
        Assert.Equal(1, LexicalSimilarity.Cosine("hiking at 6 am", "hiking"), 12); // "at", "6" and "am" are not words here
    }

    [Fact]
    public void WeighsRepeatedWords()
    {
        // (2·1 + 1·1) / (√5 · √2)
        Assert.Equal(3 / Math.Sqrt(10), LexicalSimilarity.Cosine("apple apple banana", "apple banana"), 12);
    }

    [Fact]
    public void ComparesTextInCompatibilityForm()
    {
        Assert.Equal(1, LexicalSimilarity.Cosine("\uFF36\uFF25\uFF27\uFF21\uFF2E dinner", "vegan dinner"), 12); // full-width letters
        Assert.Equal(1, LexicalSimilarity.Cosine("cafe\u0301 menu", "caf\u00E9 menu"), 12); // a combining accent, a precomposed one
        Assert.Equal(1, LexicalSimilarity.Cosine("vegan\uD800 dinner", "vegan dinner"), 12); // half an emoji (pasted, cut), not an error
    }

    [Fact]
    public void KeepsAWordWithCombiningMarksWhole()
    {
        // Hindi "vegetarian": four letters carrying vowel signs. Letters alone would split it into fragments.
        Assert.Equal(["\u0936\u093E\u0915\u093E\u0939\u093E\u0930\u0940"], LexicalSimilarity.Counts("\u0936\u093E\u0915\u093E\u0939\u093E\u0930\u0940!").Keys);
        Assert.Empty(LexicalSimilarity.Counts("\u0939\u0948")); // "is": one letter and a vowel sign, under three letters
        Assert.Equal(["abc"], LexicalSimilarity.Counts("\u0301abc").Keys); // a stray mark, with no letter before it, is no part of a word
    }

    [Fact]
    public void CountsKoreanWordsOfTwoSyllables()
    {
        // "concise answer" and "answer": 답변 is a word of two syllables; 한 alone (one) is not counted.
        Assert.Equal(["간결한", "답변"], LexicalSimilarity.Counts("간결한 답변 한").Keys);
        Assert.True(LexicalSimilarity.Cosine("간결한 답변", "답변") > 0);
        Assert.Equal(["가게", "\uD7A3\uD7A3"], LexicalSimilarity.Counts("가게 \uD7A3\uD7A3").Keys); // the first and last syllables Unicode has
    }

    [Fact]
    public void SplitsScriptsWithoutSpacesIntoCharacterPairs()
    {
        // "I like vegetarian food" against "vegetarian dinner ideas" and "hiking boots": the shared pair 素食 (vegetarian).
        Assert.Equal(["我喜", "喜欢", "欢素", "素食"], LexicalSimilarity.Counts("我喜欢素食。").Keys);
        Assert.True(LexicalSimilarity.Cosine("我喜欢素食", "素食晚餐推荐") > 0);
        Assert.Equal(0, LexicalSimilarity.Cosine("我喜欢素食", "登山鞋"));
        Assert.True(LexicalSimilarity.Cosine("ベジタリアン料理", "料理教室") > 0); // Japanese: 料理 (cooking)

        Assert.Equal(["猫"], LexicalSimilarity.Counts("猫").Keys); // a lone character is a term
        Assert.Equal(["我喜", "喜欢", "python", "编程"], LexicalSimilarity.Counts("我喜欢Python编程").Keys); // Latin words between
        Assert.Equal(["\u0E01\u0E34\u0E19"], LexicalSimilarity.Counts("\u0E01\u0E34\u0E19").Keys); // Thai "eat": the vowel sign stays

        // Lao, Khmer and Myanmar are written without spaces too: three letters of each (ka, kha, ga) make two pairs.
        Assert.Equal(["\u0E81\u0E82", "\u0E82\u0E84"], LexicalSimilarity.Counts("\u0E81\u0E82\u0E84").Keys);
        Assert.Equal(["\u1780\u1781", "\u1781\u1782"], LexicalSimilarity.Counts("\u1780\u1781\u1782").Keys);
        Assert.Equal(["\u1000\u1001", "\u1001\u1002"], LexicalSimilarity.Counts("\u1000\u1001\u1002").Keys);
    }

    [Theory]
    [InlineData("", "vegan dinner")]
    [InlineData("vegan dinner", "")]
    [InlineData("ok, 42!", "vegan dinner")]
    [InlineData("", "")]
    public void ATextWithoutWords_IsNotSimilarToAnything(string a, string b)
        => Assert.Equal(0, LexicalSimilarity.Cosine(a, b)); // not NaN, which would sort unpredictably
}
