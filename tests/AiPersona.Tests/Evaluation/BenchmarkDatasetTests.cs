using System.Text.Json;
using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

public sealed class BenchmarkDatasetTests
{
    [Fact]
    public void MiniPersonaBench_HasTwentyPersonasWithTenScenesEach_AndIsValid()
    {
        var dataset = BenchmarkDataset.LoadMini();

        Assert.Equal(20, dataset.Personas.Count);
        Assert.All(dataset.Personas, p => Assert.Equal(10, p.Scenes.Count));
        Assert.Empty(BenchmarkDatasetValidator.Validate(dataset));
    }

    [Fact]
    public void MiniPersonaBench_NeutralizedQueriesNeverStateTheTrait_PersonalizedOnesDo()
    {
        foreach (var scene in BenchmarkDataset.LoadMini().Personas.SelectMany(p => p.Scenes))
        {
            Assert.False(TraitMatcher.ContainsAny(scene.NeutralizedQuery, scene.TraitKeywords), scene.Id);
            Assert.True(TraitMatcher.ContainsAny(scene.PersonalizedQuery, scene.TraitKeywords), scene.Id);
        }
    }

    [Fact]
    public void MiniPersonaBench_PersonalizedQueriesAddTheTraitToTheNeutralizedRequest()
    {
        // The paper's construction: the neutralized query is the same request with the personal detail taken out. The
        // scripted user reveals what follows it as its follow-up.
        foreach (var scene in BenchmarkDataset.LoadMini().Personas.SelectMany(p => p.Scenes))
        {
            Assert.StartsWith(scene.NeutralizedQuery + " ", scene.PersonalizedQuery, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MiniPersonaBench_EachSceneExpectsATraitTheGoldenPersonaHolds_StatedOnce()
    {
        foreach (var persona in BenchmarkDataset.LoadMini().Personas)
        {
            var values = persona.GoldenPersona.Values.SelectMany(f => f.Values).ToList();

            // No item of a value repeats another ("Lawyer; Litigation lawyer"): a judge would read it as two traits.
            foreach (var value in values)
            {
                var items = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                Assert.All(items, item => Assert.True(
                    items.Count(other => other.Contains(item, StringComparison.OrdinalIgnoreCase)) == 1,
                    $"{persona.Id}: '{value}' states '{item}' twice."));
            }

            foreach (var scene in persona.Scenes)
            {
                var open = scene.ExpectedResponse.LastIndexOf('(');
                var close = scene.ExpectedResponse.LastIndexOf(')');
                Assert.True(open >= 0 && close > open, $"{scene.Id}: the expected response names no trait in parentheses.");
                var trait = scene.ExpectedResponse[(open + 1)..close];
                Assert.True(values.Any(value => value.Contains(trait, StringComparison.OrdinalIgnoreCase)), $"{scene.Id}: the golden persona does not hold '{trait}'.");
            }
        }
    }

    [Fact]
    public void MiniPersonaBench_GoldenPersonasUseThePapersSchema_AndEveryApiIsDocumented()
    {
        var schema = PersonaSchema.CreateDefault();
        foreach (var persona in BenchmarkDataset.LoadMini().Personas)
        {
            Assert.Equal(["demographics", "patterns", "personality", "preferences"], persona.GoldenPersona.Keys.Order(StringComparer.Ordinal));
            Assert.All(persona.GoldenPersona.SelectMany(s => s.Value.Keys.Select(f => (s.Key, f))), x => Assert.NotNull(schema.FindField(x.Key, x.f)));
            foreach (var api in persona.Scenes.SelectMany(s => s.Apis))
            {
                Assert.False(string.IsNullOrWhiteSpace(api.Description));
                Assert.All(api.Parameters.GetProperty("properties").EnumerateObject(), p => Assert.False(string.IsNullOrWhiteSpace(p.Value.GetProperty("description").GetString())));
            }
        }
    }

    [Fact]
    public void Validator_ReportsEachKindOfProblem()
    {
        var scene = new BenchmarkScene
        {
            Id = "s1",
            SceneType = "dining",
            Description = "d",
            Context = "c",
            ExpectedResponse = "e",
            NeutralizedQuery = "Find me a vegetarian restaurant.",
            PersonalizedQuery = "Find me a restaurant.",
            TraitKeywords = ["vegetarian"],
            Apis = [new BenchmarkApi { Name = "search", Description = "Searches.", Parameters = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement }],
        };
        var dataset = new BenchmarkDataset
        {
            Personas =
            [
                new BenchmarkPersona
                {
                    Id = "p1",
                    GoldenPersona = new() { ["demographics"] = new() { ["shoe_size"] = "42" } },
                    Scenes = [scene, scene],
                },
            ],
        };

        var problems = BenchmarkDatasetValidator.Validate(dataset);

        Assert.Contains(problems, p => p.Contains("no 'personality' section", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'demographics.shoe_size' is not a field", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("neutralized query states the persona's trait", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("personalized query does not state", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("parameter 'city' is undocumented", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("duplicate scene id", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../../outside", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("..", false)]
    [InlineData("-dash-first", false)]
    [InlineData("marta", true)]
    [InlineData("Persona_01-b", true)]
    public void PersonaIds_NameAFolder_SoOnlySafeOnesPass(string id, bool valid)
    {
        var dataset = BenchmarkDataset.LoadMini().Take(1, 1);
        dataset.Personas[0].Id = id;

        var problems = BenchmarkDatasetValidator.Validate(dataset);

        Assert.Equal(valid, !problems.Any(p => p.Contains("the id must be", StringComparison.Ordinal)));
        Assert.Equal(valid, problems.Count == 0);
    }

    [Theory]
    [InlineData("", "JSON")]
    [InlineData("null", "empty")]
    [InlineData("{\"name\": \"x\", \"personas\": null}", "personas")]
    [InlineData("{\"name\": null, \"personas\": []}", "name")]
    [InlineData("{\"personas\": [null]}", "persona 1")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"goldenPersona\": null}]}", "goldenPersona")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"goldenPersona\": {\"demographics\": null}}]}", "persona 'a'")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"goldenPersona\": {\"demographics\": {\"age\": null}}}]}", "persona 'a'")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"scenes\": [null]}]}", "scene 1")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"scenes\": [{\"id\": \"s\", \"apis\": null}]}]}", "apis")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"scenes\": [{\"id\": \"s\", \"apis\": [null]}]}]}", "API 1")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"scenes\": [{\"id\": \"s\", \"traitKeywords\": [\"x\", null]}]}]}", "keyword 2")]
    [InlineData("{\"personas\": [{\"id\": \"a\", \"scenes\": [{\"id\": \"s\", \"neutralizedQuery\": null}]}]}", "neutralizedQuery")]
    public void Load_RefusesJsonWithNullsWhereTheDatasetHasParts_NamingThePlace(string json, string named)
    {
        var ex = Assert.ThrowsAny<Exception>(() => BenchmarkDataset.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))));

        Assert.True(ex is JsonException or InvalidDataException, ex.ToString());
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A dataset file of one's own damaged at random (seeded): loading it fails with one of the two documented
    /// exceptions, or it loads and the validator lists its problems; nothing else is thrown (the sample reports both ways
    /// and exits with 2).</summary>
    [Fact]
    public void DatasetsDamagedAtRandom_FailToLoadAsDocumented_OrLoadAndAreValidated()
    {
        var original = JsonSerializer.Serialize(BenchmarkDataset.LoadMini().Take(2, 2), EvaluationJsonContext.Default.BenchmarkDataset);
        const string Inserted = "{}[]\",:\\ 0123456789nul";
        var random = new Random(2643);
        var (refused, loaded, invalid) = (0, 0, 0);
        for (var i = 0; i < 1500; i++)
        {
            var damaged = RandomDamage.Apply(original, random, Inserted, maxChanges: 3, maxRun: 11);

            BenchmarkDataset dataset;
            try
            {
                dataset = BenchmarkDataset.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(damaged)));
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException)
            {
                refused++;
                continue;
            }

            loaded++;
            if (BenchmarkDatasetValidator.Validate(dataset).Count > 0)
            {
                invalid++;
            }
        }

        Assert.True(refused > 300 && loaded > 100 && invalid > 10, $"{refused} refused, {loaded} loaded ({invalid} invalid)");
    }

    [Fact]
    public void PersonaIds_DifferingOnlyInCase_AreDuplicates()
    {
        var dataset = BenchmarkDataset.LoadMini().Take(2, 1);
        dataset.Personas[1].Id = dataset.Personas[0].Id.ToUpperInvariant();

        Assert.Contains(BenchmarkDatasetValidator.Validate(dataset), p => p.Contains("missing or duplicate id", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_ReportsEmptyPartsAndMissingApiDocumentation()
    {
        Dictionary<string, Dictionary<string, string>> golden = new()
        {
            ["demographics"] = new() { ["name"] = " " },
            ["personality"] = [],
            ["patterns"] = [],
            ["preferences"] = [],
        };
        var bare = new BenchmarkScene { Id = "s1", SceneType = "dining" }; // nothing else filled in
        var badApis = new BenchmarkScene
        {
            Id = "s2", SceneType = "t", Description = "d", Context = "c", ExpectedResponse = "e", NeutralizedQuery = "Find a place.",
            PersonalizedQuery = "Find a vegan place.", TraitKeywords = ["vegan"],
            Apis =
            [
                new BenchmarkApi { Name = "", Description = "Searches.", Parameters = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement },
                new BenchmarkApi { Name = "book", Description = "Books.", Parameters = JsonDocument.Parse("""{"type":"object"}""").RootElement },
                new BenchmarkApi { Name = "pay", Description = "Pays.", Parameters = JsonDocument.Parse("""{"type":"object","properties":["amount"]}""").RootElement },
                new BenchmarkApi
                {
                    Name = "rate", Description = "Rates.",
                    Parameters = JsonDocument.Parse("""{"type":"object","properties":{"stars":"integer","note":{"description":5},"tip":{"description":"Tip."}}}""").RootElement,
                },
            ],
        };
        var dataset = new BenchmarkDataset
        {
            Personas =
            [
                new BenchmarkPersona { Id = "p1", GoldenPersona = golden, Scenes = [bare, badApis] },
                new BenchmarkPersona { Id = "p1", GoldenPersona = golden, Scenes = [] },
            ],
        };

        var problems = BenchmarkDatasetValidator.Validate(dataset);

        string[] expected =
        [
            "'demographics.name' is empty", "missing or duplicate id", "persona 'p1': no scenes", "'description' is empty", "'context' is empty",
            "'expectedResponse' is empty", "'personalizedQuery' is empty", "'neutralizedQuery' is empty", "no trait keywords", "scene 's1': no APIs",
            "API '': missing name or description", "API 'book': parameters are not a JSON schema object with properties",
            "API 'pay': parameters are not a JSON schema object with properties", "API 'rate': parameter 'stars' is undocumented",
            "API 'rate': parameter 'note' is undocumented",
        ];
        Assert.All(expected, e => Assert.Contains(problems, p => p.Contains(e, StringComparison.Ordinal)));
        Assert.DoesNotContain(problems, p => p.Contains("'sceneType' is empty", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("'tip'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("I like sustainable brands", "sustainab", true)]
    [InlineData("Take part in it", "art", false)]
    [InlineData("VEGAN food", "vegan", true)]
    [InlineData("", "vegan", false)]
    [InlineData("I love #vegan food", "#vegan", true)]
    [InlineData("I love non#vegan food", "#vegan", false)]
    [InlineData("मुझे शाकाहारी खाना पसंद है", "शाकाहारी", true)] // Hindi: a word
    [InlineData("मुझे मांसाहारी खाना पसंद है", "हारी", false)] // not a word's start: after a vowel sign (\b sees one there)
    [InlineData("我喜欢素食", "素食", true)] // Chinese has no spaces: a word starts anywhere
    [InlineData("我喜欢吃肉", "素食", false)]
    [InlineData("ベジタリアン料理を教えて", "料理", true)]
    public void TraitMatcher_MatchesAtWordStarts(string text, string keyword, bool expected)
        => Assert.Equal(expected, TraitMatcher.ContainsAny(text, [keyword]));

    [Fact]
    public void TraitMatcher_TakesAKeywordStartingWithHalfASurrogatePair_AsText()
    {
        // Not in InlineData: attribute strings are stored as UTF-8, which turns the half pair into U+FFFD.
        Assert.True(TraitMatcher.ContainsAny("vegan \uD800x", ["\uD800x"]));
        Assert.False(TraitMatcher.ContainsAny("vegan\uD800x", ["\uD800x"]));
    }

    [Fact]
    public void Settings_ParseTheirKeys_AndTheDefaultListIsThePapersSixRows()
    {
        Assert.Equal(["No Persona", "Golden Persona", "Conversation RAG", "Persona Learning (k=1)", "Persona Learning (k=3)", "Persona Learning (k=5)"], BenchmarkSetting.All.Select(s => s.Name));
        Assert.All(BenchmarkSetting.All, s => Assert.Equal(s, BenchmarkSetting.Parse(s.Key)));
        Assert.Equal(BenchmarkSetting.Learning(7), BenchmarkSetting.Parse("learning-k7"));
        Assert.Throws<ArgumentException>(() => BenchmarkSetting.Parse("learning-k0"));
        Assert.Throws<ArgumentException>(() => BenchmarkSetting.Parse("magic"));
    }
}
