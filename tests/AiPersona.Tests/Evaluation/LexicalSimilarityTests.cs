using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

/// <summary>The Conversation RAG baseline's retrieval without an embedding model: cosine similarity of word counts.</summary>
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

    [Theory]
    [InlineData("", "vegan dinner")]
    [InlineData("vegan dinner", "")]
    [InlineData("ok, 42!", "vegan dinner")]
    [InlineData("", "")]
    public void ATextWithoutWords_IsNotSimilarToAnything(string a, string b)
        => Assert.Equal(0, LexicalSimilarity.Cosine(a, b)); // not NaN, which would sort unpredictably
}
