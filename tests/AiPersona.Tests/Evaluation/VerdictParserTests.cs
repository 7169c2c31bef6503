using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

public sealed class VerdictParserTests
{
    [Theory]
    [InlineData("""{"helpfulness": 7, "personalization": 8.5, "rationale": "ok"}""", 7, 8.5)]
    [InlineData("Sure:\n```json\n{\"Helpfulness\": \"6\", \"Personalization\": 2}\n```", 6, 2)]
    [InlineData("Helpfulness: 9\nPersonalization = 3\n(reasons...)", 9, 3)]
    [InlineData("""{"helpfulness": 0, "personalization": 10}""", 0, 10)]
    [InlineData("""{"helpfulness": "7.5", "personalization": " 4 "}""", 7.5, 4)]
    [InlineData("{helpfulness: 7, personalization: 8}", 7, 8)] // braces, but not JSON: read as text
    [InlineData("**Helpfulness:** 8\n**Personalization**: 6", 8, 6)] // Markdown emphasis
    [InlineData("Helpfulness: **9**, personalization = __3__", 9, 3)]
    [InlineData("Scores [0-10] for the reply [1]:\n{\"helpfulness\": 7, \"personalization\": 2}", 7, 2)] // brackets before the JSON
    public void ParseScores_ReadsJsonFencedJsonOrText(string answer, double helpfulness, double personalization)
    {
        var scores = VerdictParser.ParseScores(answer, "helpfulness", "personalization");

        Assert.Null(scores.Error);
        Assert.Equal(helpfulness, scores.Get("helpfulness"));
        Assert.Equal(personalization, scores.Get("personalization"));
    }

    [Fact]
    public void ParseScores_ReadsTheJsonAfterBracketsInTheProseBeforeIt()
    {
        // The rationale is only in the JSON: read as text, the scores would come out the same without it.
        var scores = VerdictParser.ParseScores("Scores [0-10] for the reply [1]:\n{\"helpfulness\": 7, \"personalization\": 2, \"rationale\": \"Generic.\"}", "helpfulness", "personalization");

        Assert.Equal((7.0, 2.0, "Generic."), (scores.Get("helpfulness"), scores.Get("personalization"), scores.Rationale));
    }

    [Theory]
    [InlineData("<think>Helpfulness: maybe 2? It uses {tools}. Personalization: 1.</think>\n{\"helpfulness\": 8, \"personalization\": 6}")]
    [InlineData("<THINK>helpfulness: 2, personalization: 1</THINK>Helpfulness: 8\nPersonalization: 6")]
    public void ParseScores_LeavesOutTheThinkingAReasoningModelWritesBeforeItsAnswer(string answer)
    {
        var scores = VerdictParser.ParseScores(answer, "helpfulness", "personalization");

        Assert.Null(scores.Error);
        Assert.Equal((8.0, 6.0), (scores.Get("helpfulness"), scores.Get("personalization")));
    }

    [Fact]
    public void ParseUserVerdict_LeavesOutTheThinkingAReasoningModelWritesBeforeItsAnswer()
    {
        Assert.Equal(new UserVerdict(true, null, false), VerdictParser.ParseUserVerdict("<think>{\"satisfied\": false}? No, it fits.</think>{\"satisfied\": true}"));
        Assert.Equal(new UserVerdict(false, "Vegetarian, please.", true), VerdictParser.ParseUserVerdict("<think>Not quite.</think>\nVegetarian, please."));
        Assert.Equal(new UserVerdict(false, null, true), VerdictParser.ParseUserVerdict("<think>Hmm.</think>"));
    }

    [Fact]
    public void ParseScores_AnAnswerThatIsOnlyThinking_IsEmpty()
        => Assert.Contains("empty", VerdictParser.ParseScores("<think>helpfulness: 9, personalization: 9</think>  ", "helpfulness", "personalization").Error, StringComparison.Ordinal);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("The reply was great, I'd give it a high score.", "no helpfulness or personalization score")]
    [InlineData("""{"helpfulness": 7}""", "no personalization score")]
    [InlineData("""{"helpfulness": 11, "personalization": 5}""", "outside 0–10")]
    [InlineData("""{"helpfulness": "high", "personalization": "low"}""", "no helpfulness or personalization score")]
    [InlineData("""{"helpfulness": -1, "personalization": 5}""", "outside 0–10")]
    [InlineData("""{"helpfulness": "NaN", "personalization": 5}""", "no helpfulness score")] // not a number, however .NET parses it
    [InlineData("""{"helpfulness": "Infinity", "personalization": 5}""", "outside 0–10")]
    [InlineData("""{"helpfulness": 1e400, "personalization": 5}""", "outside 0–10")] // not 1, read off the text
    public void ParseScores_MalformedAnswers_AreReportedNotGuessed(string answer, string expectedError)
    {
        var scores = VerdictParser.ParseScores(answer, "helpfulness", "personalization");

        Assert.Contains(expectedError, scores.Error, StringComparison.Ordinal);
        Assert.Null(scores.Get("helpfulness"));
        Assert.Null(scores.Get("personalization"));
    }

    [Fact]
    public void ParseScores_KeepsTheRationale()
        => Assert.Equal("fits the user", VerdictParser.ParseScores("""{"consistency": 8, "detail": 4, "rationale": "fits the user"}""", "consistency", "detail").Rationale);

    [Theory]
    [InlineData("""{"consistency": 8, "detail": 4}""")]
    [InlineData("""{"consistency": 8, "detail": 4, "rationale": 3}""")]
    [InlineData("""{"consistency": 8, "detail": 4, "rationale": null}""")]
    public void ParseScores_WithoutATextRationale_StillReadsTheScores(string answer)
    {
        var scores = VerdictParser.ParseScores(answer, "consistency", "detail");

        Assert.Null(scores.Error);
        Assert.Null(scores.Rationale);
        Assert.Equal((8.0, 4.0), (scores.Get("consistency"), scores.Get("detail")));
    }

    [Theory]
    [InlineData("""{"satisfied": true, "reply": ""}""", true, null, false)]
    [InlineData("""{"satisfied": false, "reply": "Cheaper, please."}""", false, "Cheaper, please.", false)]
    [InlineData("""{"satisfied": "true"}""", true, null, false)]
    [InlineData("```json\n{\"satisfied\": false, \"reply\": \"Vegetarian only.\"}\n```", false, "Vegetarian only.", false)]
    [InlineData("{\"satisfied\": false, \"reply\": \"Cheaper, please.\"}\n(I mean {under 20 euros}.)", false, "Cheaper, please.", false)] // a note after the JSON
    [InlineData("Hmm, not quite. I need something vegetarian.", false, "Hmm, not quite. I need something vegetarian.", true)]
    [InlineData("""{"satisfied": "Yes"}""", true, null, false)]
    [InlineData("""{"satisfied": " no ", "reply": "Cheaper, please."}""", false, "Cheaper, please.", false)]
    // JSON that is not the verdict: the user's next message is its reply, or none (the session then sends the full
    // need), never the JSON itself.
    [InlineData("""{"satisfied": false}""", false, null, true)]
    [InlineData("""{"satisfied": false, "reply": 5}""", false, null, true)]
    [InlineData("""{"satisfied": false, "reply": " "}""", false, null, true)]
    [InlineData("""{"satisfied": 1, "reply": "Fine."}""", false, "Fine.", true)]
    [InlineData("""{"satisfied": "maybe", "reply": "Cheaper?"}""", false, "Cheaper?", true)]
    [InlineData("""{"reply": "Vegetarian only."}""", false, "Vegetarian only.", true)]
    [InlineData("", false, null, true)]
    public void ParseUserVerdict_HandlesWellFormedAndMalformedAnswers(string answer, bool satisfied, string? reply, bool malformed)
        => Assert.Equal(new UserVerdict(satisfied, reply, malformed), VerdictParser.ParseUserVerdict(answer));
    [Theory]
    [InlineData("""{"helpfulness": 1e999, "personalization": 5}""")] // a number no double holds
    [InlineData("""{"helpfulness": "1e999", "personalization": 5}""")]
    public void ParseScores_AScoreBeyondAnyDouble_IsOutOfRange_NotAnException(string answer)
        => Assert.Contains("outside 0–10", VerdictParser.ParseScores(answer, "helpfulness", "personalization").Error, StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"satisfied": false, "reply": "Cheaper, please.",}""")] // a trailing comma
    [InlineData("{\"satisfied\": false, // not yet\n\"reply\": \"Cheaper, please.\"}")] // a comment
    public void ParseUserVerdict_ReadsJsonWithATrailingCommaOrAComment_AsTheOptimizerAnswerIsRead(string answer)
        => Assert.Equal(new UserVerdict(false, "Cheaper, please.", false), VerdictParser.ParseUserVerdict(answer));

    [Fact]
    public void ParseScores_WithTrailingCommas_ReadsTheRationaleToo()
        => Assert.Equal("Fits.", VerdictParser.ParseScores("""{"helpfulness": 7, "personalization": 8, "rationale": "Fits.",}""", "helpfulness", "personalization").Rationale);

    /// <summary>Judge and simulated-user answers broken at random (seeded), half of a surrogate pair and U+0000 among the
    /// characters inserted: the parsers never throw, and a score they read is a number from 0 to 10 or the answer is
    /// reported as unusable.</summary>
    [Fact]
    public void AnswersBrokenAtRandom_NeverThrow()
    {
        string[] answers =
        [
            """{"helpfulness": 7, "personalization": 8.5, "rationale": "ok"}""",
            "<think>{maybe 3}</think>**Helpfulness:** 8\nPersonalization = \"6\"",
            """{"satisfied": false, "reply": "Cheaper, please."}""",
            "Sure:\n```json\n{\"satisfied\": \"yes\", \"reply\": \"\"}\n```",
        ];
        const string Inserted = "{}[]\",:\\ 0123456789e.-\n\u0000\ud83d\ude00";
        var random = new Random(2642);
        var (scored, unusable) = (0, 0);
        for (var i = 0; i < 3000; i++)
        {
            var text = RandomDamage.Apply(answers[random.Next(answers.Length)], random, Inserted, maxChanges: 5, maxRun: 7);
            var scores = VerdictParser.ParseScores(text, "helpfulness", "personalization");
            if (scores.Error is null)
            {
                scored++;
                Assert.All(scores.Scores.Values, v => Assert.InRange(v, 0, 10));
            }
            else
            {
                unusable++;
            }

            var verdict = VerdictParser.ParseUserVerdict(text);
            Assert.True(verdict.Satisfied ? verdict.Reply is null : verdict.Reply is null || verdict.Reply.Trim().Length > 0, text);
        }

        Assert.True(scored > 200 && unusable > 200, $"{scored} scored, {unusable} unusable");
    }
}
