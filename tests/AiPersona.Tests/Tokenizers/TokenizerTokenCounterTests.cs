using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.Tokenizers;

namespace AiPersona.Tests.Tokenizers;

public sealed class TokenizerTokenCounterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // A persona in Chinese, as in the paper's own data.
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
        // gpt-4's tokenizer (cl100k) takes about one and a half tokens per Chinese character, more than the estimate's one:
        // the whole persona is 215 of its tokens, which the estimate puts within 210.
        const int budget = 210;
        var gpt4 = TiktokenTokenizer.CreateForModel("gpt-4");
        using var estimated = Build(_ => { });
        using var counted = Build(b => b.UseTokenizer(gpt4));

        var roughText = estimated.GetRequiredService<IPersonaRenderer>().Render(ChinesePersona, PersonaSchema.CreateDefault(), budget);
        var exactText = counted.GetRequiredService<IPersonaRenderer>().Render(ChinesePersona, PersonaSchema.CreateDefault(), budget);

        Assert.True(gpt4.CountTokens(roughText) > budget, $"the estimate kept {gpt4.CountTokens(roughText)} real tokens");
        Assert.InRange(gpt4.CountTokens(exactText), 1, budget);
        Assert.Contains("demographics.name", exactText, StringComparison.Ordinal); // the most important field stays
        Assert.DoesNotContain("patterns.purchase", exactText, StringComparison.Ordinal); // the least important goes first
    }

    [Fact]
    public void WithTheDefaultEstimate_PersonasInOtherScriptsStayWithinGpt4osBudget()
    {
        // The estimate before this one, one token per four characters, let the Chinese persona overrun budgets of 100 and 150
        // (107 and 164 of gpt-4o's tokens).
        var gpt4o = TiktokenTokenizer.CreateForModel("gpt-4o");
        using var estimated = Build(_ => { });
        var renderer = estimated.GetRequiredService<IPersonaRenderer>();
        var russian = Persona.CreateEmpty("olga").ApplyEdits(
            [
                PersonaEdit.Set("demographics", "career", "Работает инженером-программистом в небольшой компании в Казани"),
                PersonaEdit.Set("preferences", "formats", "Предпочитает короткие, точные ответы со списками; любит пошаговые рецепты"),
            ],
            Now).Updated;

        foreach (var budget in new[] { 100, 150, 200, 300 })
        {
            foreach (var persona in new[] { ChinesePersona, russian })
            {
                var text = renderer.Render(persona, PersonaSchema.CreateDefault(), budget);
                Assert.InRange(gpt4o.CountTokens(text), 0, budget);
            }
        }

        Assert.Contains("purchase", renderer.Render(ChinesePersona, PersonaSchema.CreateDefault(), 300), StringComparison.Ordinal); // all of it fits
    }

    // The sentences behind the estimate's figures in CharacterTokenCounter's remarks and the docs: one persona value in each
    // of thirteen languages, and one with emoji.
    [Theory]
    [InlineData("en", "Prefers short, concise answers with bullet points; likes step-by-step recipes")]
    [InlineData("de", "Bevorzugt kurze, präzise Antworten mit Aufzählungspunkten; mag Schritt-für-Schritt-Rezepte")]
    [InlineData("es", "Prefiere respuestas breves y concisas con viñetas; le gustan las recetas paso a paso")]
    [InlineData("ru", "Предпочитает короткие, точные ответы со списками; любит пошаговые рецепты")]
    [InlineData("el", "Προτιμά σύντομες, περιεκτικές απαντήσεις με κουκκίδες· του αρέσουν οι συνταγές βήμα προς βήμα")]
    [InlineData("ar", "يفضل الإجابات القصيرة والموجزة مع النقاط؛ يحب الوصفات خطوة بخطوة")]
    [InlineData("he", "מעדיף תשובות קצרות ותמציתיות עם תבליטים; אוהב מתכונים שלב אחר שלב")]
    [InlineData("hi", "बुलेट पॉइंट के साथ छोटे, संक्षिप्त उत्तर पसंद करते हैं; चरण-दर-चरण व्यंजन पसंद हैं")]
    [InlineData("th", "ชอบคำตอบสั้น ๆ กระชับพร้อมหัวข้อย่อย ชอบสูตรอาหารแบบทีละขั้นตอน")]
    [InlineData("zh", "喜欢简短、精炼、带要点的回答；喜欢一步一步的食谱")]
    [InlineData("ja", "箇条書きで短く簡潔な回答を好む。ステップごとのレシピが好き")]
    [InlineData("ko", "글머리 기호가 있는 짧고 간결한 답변을 선호함; 단계별 레시피를 좋아함")]
    [InlineData("vi", "Thích câu trả lời ngắn gọn, súc tích với gạch đầu dòng; thích công thức từng bước")]
    [InlineData("emoji", "😀🎉🍕 loves 🍣 and 🏔️ hiking 🥾")]
    public void TheDefaultEstimate_StaysInTheDocumentedRangesOfGpt4osAndGpt4sCounts(string language, string value)
    {
        _ = language; // names the case in the test's display name
        using var estimated = Build(_ => { });
        var estimate = estimated.GetRequiredService<ITokenCounter>().CountTokens(value);
        var gpt4o = TiktokenTokenizer.CreateForModel("gpt-4o").CountTokens(value);
        var gpt4 = TiktokenTokenizer.CreateForModel("gpt-4").CountTokens(value);

        // The ranges the docs give, 0.89–1.7 and 0.43–1.33, to their two digits.
        Assert.InRange((double)estimate / gpt4o, 0.885, 1.705);
        Assert.InRange((double)estimate / gpt4, 0.425, 1.335);
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
