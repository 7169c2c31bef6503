using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.Tokenizers;

namespace AiPersona.Tests.Tokenizers;

public sealed class TokenizerTokenCounterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // A persona in Chinese, as in the paper's own data: gpt-4o counts its values two to three times the default estimate.
    private static readonly Persona ChinesePersona = Persona.CreateEmpty("li").ApplyEdits(
        [
            PersonaEdit.Set("demographics", "name", "王丽"),
            PersonaEdit.Set("demographics", "career", "在杭州一家互联网公司做产品经理，经常加班到很晚"),
            PersonaEdit.Set("personality", "values_and_interests", "喜欢在周末和朋友一起去山里徒步旅行，也喜欢摄影和品尝各地的美食"),
            PersonaEdit.Set("patterns", "purchase", "购物时通常会先比较价格和评价，偏好性价比高的国产品牌"),
            PersonaEdit.Set("preferences", "formats", "希望回答简短，用要点列出，最好附上具体的例子"),
        ],
        Now).Updated;

    [Fact]
    public void UseTiktokenTokenizer_CountsAsTheModelDoes()
    {
        using var provider = Build(b => b.UseTiktokenTokenizer("gpt-4o"));
        var counter = provider.GetRequiredService<ITokenCounter>();

        // The figure Microsoft.ML.Tokenizers documents for this sentence with gpt-4o.
        Assert.Equal(16, counter.CountTokens("Text tokenization is the process of splitting a string into a list of tokens."));
        Assert.Equal(TiktokenTokenizer.CreateForModel("gpt-4o").CountTokens("喜欢摄影"), counter.CountTokens("喜欢摄影"));
    }

    [Fact]
    public void WithTheModelsTokenizer_AChinesePersonaStaysWithinItsBudget_WhereTheEstimateOverruns()
    {
        const int budget = 150;
        var gpt4o = TiktokenTokenizer.CreateForModel("gpt-4o");
        using var estimated = Build(_ => { });
        using var counted = Build(b => b.UseTokenizer(gpt4o));

        var roughText = estimated.GetRequiredService<IPersonaRenderer>().Render(ChinesePersona, PersonaSchema.CreateDefault(), budget);
        var exactText = counted.GetRequiredService<IPersonaRenderer>().Render(ChinesePersona, PersonaSchema.CreateDefault(), budget);

        Assert.True(gpt4o.CountTokens(roughText) > budget, $"the estimate kept {gpt4o.CountTokens(roughText)} real tokens");
        Assert.InRange(gpt4o.CountTokens(exactText), 1, budget);
        Assert.Contains("demographics.name", exactText, StringComparison.Ordinal); // the most important field stays
        Assert.DoesNotContain("patterns.purchase", exactText, StringComparison.Ordinal); // the least important goes first
    }

    [Fact]
    public void AnUnknownModel_FailsWithTheModelNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddAiPersona().UseTiktokenTokenizer("no-such-model"));
        Assert.Equal("modelName", ex.ParamName);
        Assert.Contains("no-such-model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullArguments_AreNamed()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => TokenizerAiPersonaBuilderExtensions.UseTiktokenTokenizer(null!)).ParamName);
        Assert.Equal("tokenizer", Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddAiPersona().UseTokenizer(null!)).ParamName);
    }

    private static ServiceProvider Build(Action<IAiPersonaBuilder> configure)
    {
        var services = new ServiceCollection();
        configure(services.AddAiPersona());
        return services.BuildServiceProvider();
    }
}
