using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AiPersona.Tests.Optimization;

public sealed class LlmPersonaOptimizerTests
{
    private static readonly ConversationSession[] Sessions =
    [
        TestData.CompletedSession("id-1", "u", "Call me Ana, I'm a nurse."),
        TestData.CompletedSession("id-2", "u", "Please keep answers short."),
    ];

    [Fact]
    public async Task ParsesStructuredOutput_AndMapsSessionLabelsToIds()
    {
        var client = TestChatClient.Replying(_ => """
            {"edits":[
              {"section":"demographics","field":"name","action":"set","value":"Ana","reason":"introduced herself","sessions":["S1"]},
              {"section":"preferences","field":"formats","action":"set","value":"Short answers","reason":"asked","sessions":["S2","S9"]},
              {"section":"demographics","field":"age","action":"remove","value":null,"reason":"contradicted","sessions":["s1"]}
            ]}
            """);

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded);
        Assert.Collection(
            result.Edits,
            e => Assert.Equal(("name", PersonaEditOperation.Set, "Ana", "id-1"), (e.Field, e.Operation, e.Value!, e.SourceSessionIds.Single())),
            e => Assert.Equal(["id-2"], e.SourceSessionIds),
            e => Assert.Equal((PersonaEditOperation.Remove, "id-1"), (e.Operation, e.SourceSessionIds.Single())));
    }

    [Fact]
    public async Task RequestsAJsonSchemaResponse_WithTheSessionsAndPersonaInThePrompt()
    {
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");
        var persona = Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "career", "Nurse")], DateTimeOffset.UnixEpoch).Updated;

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(persona, PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded);
        Assert.Empty(result.Edits);
        var (messages, options) = Assert.Single(client.Calls);
        var format = Assert.IsType<ChatResponseFormatJson>(options!.ResponseFormat);
        Assert.NotNull(format.Schema);
        Assert.Contains("edits", format.Schema.Value.GetRawText(), StringComparison.Ordinal);
        var prompt = string.Join("\n", messages.Select(m => m.Text));
        Assert.Contains("### S1", prompt, StringComparison.Ordinal);
        Assert.Contains("Call me Ana, I'm a nurse.", prompt, StringComparison.Ordinal);
        Assert.Contains("demographics.career: \"Nurse\" (corrected 1970-01-01)", prompt, StringComparison.Ordinal); // the application set it
    }

    [Fact]
    public async Task AMessageCutInsideIt_IsNeverCutInsideAnEmoji()
    {
        // Every character after the first few is half of a surrogate pair: budgets of both parities put the cut inside one.
        var session = TestData.CompletedSession("long", "u", "Hi " + string.Concat(Enumerable.Repeat("😀", 5_000)));

        for (var budget = 5_000; budget < 5_004; budget++)
        {
            var prompt = await PromptSentAsync(budget, session);

            Assert.Contains("😀…", prompt, StringComparison.Ordinal);
            Assert.Equal(-1, UnicodeText.IndexOfLoneSurrogate(prompt));
        }
    }

    [Theory]
    [InlineData(300)]
    [InlineData(120)]
    public async Task TheInstructionsStateWhatTheValidatorRefuses_TheLongestValue_ASecondEditOfAField_AndPlaceholders(int maxValueLength)
    {
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");
        var optimizer = new LlmPersonaOptimizer(client, TestOptions.Create(o => o.MaxValueLength = maxValueLength));

        await optimizer.OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        var instructions = client.Calls.Single().Messages[0];
        Assert.Equal(ChatRole.System, instructions.Role);
        Assert.Contains($"A value has at most {maxValueLength} characters", instructions.Text, StringComparison.Ordinal);
        Assert.Contains("Make at most one edit per field", instructions.Text, StringComparison.Ordinal); // a second one is refused
        Assert.Contains("a placeholder value such as \"Unknown\" or \"N/A\" is refused", instructions.Text, StringComparison.Ordinal);
        var words = string.Join(' ', instructions.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("do not record what a never-store field describes in any other field either", words, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0f)]
    public async Task TheCallSetsTheConfiguredTemperature_AndNoneByDefault(float? temperature)
    {
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");
        var optimizer = new LlmPersonaOptimizer(client, TestOptions.Create(o => o.OptimizerTemperature = temperature));

        await optimizer.OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.Equal(temperature, client.Calls.Single().Options!.Temperature);
    }

    [Fact]
    public async Task FieldsTheUserCorrectedOrRemoved_AreMarkedWithTheDate_LearnedOnesAreNot()
    {
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");
        var learned = Persona.CreateEmpty("u").ApplyEdits(
            [PersonaEdit.Set("demographics", "career", "Nurse", "r", "id-1"), PersonaEdit.Set("demographics", "name", "Anna", "r", "id-1"), PersonaEdit.Set("demographics", "age", "34", "r", "id-1")],
            new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero)).Updated;
        var corrected = learned.ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Remove("demographics", "age")], new DateTimeOffset(2026, 1, 3, 0, 0, 0, TimeSpan.Zero)).Updated;

        await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(corrected, PersonaSchema.CreateDefault(), Sessions));

        var prompt = client.Calls.Single().Messages[^1].Text;
        Assert.Contains("- demographics.career: \"Nurse\"\n", prompt.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("- demographics.name: \"Ana\" (corrected 2026-01-03)", prompt, StringComparison.Ordinal);
        Assert.Contains("- demographics.age: (removed, corrected 2026-01-03)", prompt, StringComparison.Ordinal);
        Assert.Contains("marked \"corrected\"", client.Calls.Single().Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockedAndNeverStoreFields_AreMarkedInThePrompt()
    {
        var schema = PersonaSchema.CreateDefault();
        schema.FindField("demographics", "name")!.Policy = FieldPolicy.Locked;
        schema.FindField("demographics", "gender")!.Policy = FieldPolicy.NeverStore;
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");

        await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), schema, Sessions));

        var prompt = client.Calls.Single().Messages[^1].Text;
        Assert.Contains("name: The name the user wants to be called. (read-only", prompt, StringComparison.Ordinal);
        Assert.Contains("gender: Gender, only if the user stated it. (never-store", prompt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gender")]
    [InlineData("Gender ")] // a spelling variant an earlier version saved is the field
    public async Task AValueInANeverStoreField_IsNotShownToTheModel(string stored)
    {
        var schema = PersonaSchema.CreateDefault();
        schema.FindField("demographics", "gender")!.Policy = FieldPolicy.NeverStore;
        var persona = Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", stored, "female"), PersonaEdit.Set("demographics", "career", "Nurse")], DateTimeOffset.UnixEpoch).Updated;
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");

        await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(persona, schema, Sessions));

        var prompt = client.Calls.Single().Messages[^1].Text;
        Assert.DoesNotContain("female", prompt, StringComparison.Ordinal);
        Assert.Contains("demographics.career: \"Nurse\" (corrected 1970-01-01)", prompt, StringComparison.Ordinal); // the application set it
    }

    [Fact]
    public async Task APersonaWithNothingToShow_ReadsAsEmpty_OneWithAValueDoesNot()
    {
        // A value stored before its field became never-store is not shown, so it leaves the persona empty to the model.
        var schema = PersonaSchema.CreateDefault();
        schema.FindField("demographics", "gender")!.Policy = FieldPolicy.NeverStore;
        var hidden = Persona.CreateEmpty("u").ApplyEdits([PersonaEdit.Set("demographics", "gender", "female")], DateTimeOffset.UnixEpoch).Updated;
        var shown = hidden.ApplyEdits([PersonaEdit.Set("demographics", "career", "Nurse")], DateTimeOffset.UnixEpoch).Updated;
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");

        await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(hidden, schema, Sessions));
        await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(shown, schema, Sessions));

        var prompts = client.Calls.Select(c => c.Messages[^1].Text).ToList();
        Assert.Contains("## Current persona\n(empty: nothing is known yet)\n", prompts[0].ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("(empty", prompts[1], StringComparison.Ordinal);
        Assert.Contains("demographics.career: \"Nurse\"", prompts[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Here you go:\n```json\n{0}\n```")] // a code fence after prose
    [InlineData("```json\n{0}\n```\nNote: nothing was said about {{demographics.age}}, so I left it.")] // a note with braces of its own
    // The thinking DeepSeek-R1 or Qwen3 write into the answer when the server has no channel for reasoning: braces and
    // brackets in it are not the answer's JSON.
    [InlineData("<think>\nS1 says her name is Ana, so {{demographics.name}} = Ana; age [unknown].\n</think>\n\n{0}")]
    // Brackets in the prose before the JSON: "[1]" is JSON itself, but a list of plain values is not the answer.
    [InlineData("Based on sessions [1] and [3], here are the edits:\n```json\n{0}\n```")]
    [InlineData("I read {{demographics.name}} off S1:\n{0}")]
    [InlineData("From S1 [she wrote \"my name is Ana]\", with a bracket]:\n{0}")] // a quoted bracket does not close it
    public async Task JsonAModelWrapsInWhatItWritesAround_IsStillRead(string reply)
    {
        var json = """{"edits":[{"section":"demographics","field":"name","value":"Ana","reason":"r","sessions":["S1"]}]}""";
        var client = TestChatClient.Replying(_ => string.Format(System.Globalization.CultureInfo.InvariantCulture, reply, json));

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Ana", Assert.Single(result.Edits).Value);
    }

    [Theory]
    // A number or a list where text belongs, as models without structured output write an age or languages.
    [InlineData("""{"edits":[{"section":"demographics","field":"age","value":34,"reason":"r","sessions":["S1"]}]}""", "age", "34")]
    [InlineData("""{"edits":[{"section":"demographics","field":"age","value":34,"reason":"r","sessions":["S1"],},], /* trailing commas */}""", "age", "34")]
    [InlineData("""{"edits":[{"section":"demographics","field":"languages","value":["English","Urdu"],"reason":"r","sessions":["S1"]}]}""", "languages", "English, Urdu")]
    // The schema's names in another case: read, not taken for an answer without edits.
    [InlineData("""{"Edits":[{"Section":"demographics","Field":"name","Action":"set","Value":"Ana","Reason":"r","Sessions":["S1"]}]}""", "name", "Ana")]
    // The list without the object around it; a session label as text, or without its letter.
    [InlineData("""[{"section":"demographics","field":"name","value":"Ana","reason":"r","sessions":"S1"}]""", "name", "Ana")]
    [InlineData("""{"edits":[{"section":"demographics","field":"name","value":"Ana","reason":["r"],"sessions":[1]}]}""", "name", "Ana")]
    public async Task AnswersThatStrayFromTheSchemasTypes_AreStillRead(string reply, string field, string value)
    {
        var client = TestChatClient.Replying(_ => reply);

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded, result.Error);
        var edit = Assert.Single(result.Edits);
        Assert.Equal((field, PersonaEditOperation.Set, value), (edit.Field, edit.Operation, edit.Value!));
        Assert.Equal(["id-1"], edit.SourceSessionIds);
    }

    [Theory]
    [InlineData("\"Session 1\"", "id-1")]
    [InlineData("\"[S1]\"", "id-1")]
    [InlineData("\"S1 (2026-03-01)\"", "id-1")] // the date the prompt shows beside the label is no label
    [InlineData("\"s01\"", "id-1")]
    [InlineData("\"S1 and S2\"", "id-1,id-2")]
    [InlineData("\"S1\", \"Session #2\", \"S9\"", "id-1,id-2")] // S9 was never shown
    public async Task SessionLabelsWrittenOtherwise_AreStillRead(string labels, string expected)
    {
        var client = TestChatClient.Replying(_ => $$"""{"edits":[{"section":"demographics","field":"name","value":"Ana","reason":"r","sessions":[{{labels}}]}]}""");

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.Equal(expected.Split(','), Assert.Single(result.Edits).SourceSessionIds);
    }

    [Fact]
    public async Task OneEditWithAnObjectOrABooleanForItsValue_IsLeftForTheValidator_AndTheOthersKept()
    {
        var client = TestChatClient.Replying(_ => """
            {"edits":[
              {"section":"demographics","field":"name","value":{"first":"Ana"},"reason":"r","sessions":["S1"]},
              {"section":"preferences","field":"vegetarian","value":true,"reason":"r","sessions":["S1"]},
              "not an edit",
              {"section":"demographics","field":"career","value":"Nurse","reason":"r","sessions":"S1, S2"}
            ]}
            """);

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded, result.Error);
        Assert.Collection(
            result.Edits,
            e => Assert.Equal(("name", null), (e.Field, e.Value)), // no text: the validator refuses it as empty
            e => Assert.Equal(("vegetarian", null), (e.Field, e.Value)), // "true" says nothing readable about the user
            e => Assert.Equal(("career", "Nurse"), (e.Field, e.Value!)));
        Assert.Equal(["id-1", "id-2"], result.Edits[2].SourceSessionIds);
    }

    [Theory]
    [InlineData("I cannot help with that.")]
    [InlineData("{\"edits\": [ {\"section\": ")]
    // Cut off after a whole edit: that edit alone, or any object inside the cut-off JSON, is not taken for the answer.
    [InlineData("{\"edits\": [{\"section\": \"demographics\", \"field\": \"name\", \"value\": \"Ana\", \"reason\": \"r\", \"sessions\": [\"S1\"]}, {\"section\": ")]
    [InlineData("Sessions [1] and [2]:\n{\"edits\": [{\"section\": \"demographics\", \"field\": \"name\", \"value\": \"Ana\"}, {\"sec")]
    [InlineData("{\"edits\": \"none\"}")]
    [InlineData("[1]")] // a list, but of no edits
    [InlineData("{\"edits\": [\"S1\", \"S2\"]}")]
    [InlineData("")]
    public async Task MalformedOutput_IsAFailureNotAnException(string reply)
    {
        var client = TestChatClient.Replying(_ => reply);

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.False(result.Succeeded);
        Assert.Empty(result.Edits);
        Assert.NotNull(result.Error);
    }

    [Theory]
    [InlineData("length", "cut off at the model's output token limit.")]
    [InlineData("content_filter", "content filter stopped the answer.")]
    [InlineData("stop", "not the expected JSON.")]
    public async Task AnAnswerThatCannotBeRead_SaysWhyTheModelStopped(string finishReason, string error)
    {
        var client = new TestChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "{\"edits\": [ {\"section\": \"demo"))
            {
                FinishReason = new ChatFinishReason(finishReason),
            }),
        };

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.False(result.Succeeded);
        Assert.EndsWith(error, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcripts_AreCutToTheBudget_KeepingEachSessionsStartAndEnd()
    {
        var longSession = TestData.CompletedSession("long", "u", [.. Enumerable.Range(0, 200).Select(i => $"message {i} " + new string('x', 200))]);

        var prompt = await PromptSentAsync(5_000, longSession);

        var transcript = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..];
        Assert.InRange(transcript.Length, 4_000, 5_300);
        var start = transcript.IndexOf(": message 0 ", StringComparison.Ordinal);
        var cut = transcript.IndexOf("message(s) cut to fit the transcript budget]", StringComparison.Ordinal);
        var end = transcript.IndexOf(": message 199 ", StringComparison.Ordinal);
        Assert.True(start >= 0 && start < cut && cut < end, transcript); // where a user often says what changed
        Assert.DoesNotContain(": message 100 ", transcript, StringComparison.Ordinal);
        var left = int.Parse(System.Text.RegularExpressions.Regex.Match(transcript, @"\[… (\d+) message\(s\) cut").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(200, left + transcript.Split('\n').Count(l => l.StartsWith("user: message", StringComparison.Ordinal) && !l.EndsWith('…')));
    }

    /// <summary>Sessions of random message lengths under random budgets (seeded): every transcript stays within its
    /// budget, shows messages in order, each whole or (at most one) cut at its end, keeps the first and last messages
    /// whenever they fit in half the budget, and says how many messages it did not show whole.</summary>
    [Fact]
    public void RandomSessionsAndBudgets_AreCutWithinTheBudget_InOrder()
    {
        var random = new Random(5);
        for (var run = 0; run < 2_000; run++)
        {
            var texts = Enumerable.Range(0, 1 + random.Next(20)).Select(i => $"m{i} " + new string('x', random.Next(random.Next(2) == 0 ? 60 : 3_000))).ToArray();
            var budget = 1_000 + random.Next(5_000);
            var session = TestData.CompletedSession("s", "u", texts);
            var lines = texts.Select(t => "user: " + t).ToList();

            var prompt = OptimizerPrompt.Create(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), [session]), budget, maxValueLength: 300).Messages[^1].Text!;

            var shown = prompt[(prompt.IndexOf("### S1", StringComparison.Ordinal) + 1)..].Split('\n').Where(l => l.StartsWith("user: ", StringComparison.Ordinal)).ToList();
            var marker = System.Text.RegularExpressions.Regex.Match(prompt, @"\[… (\d+) message\(s\) cut");
            var context = $"run {run}: budget {budget}, lines [{string.Join(", ", lines.Select(l => l.Length))}], shown [{string.Join(", ", shown.Select(l => l.Length))}]";
            Assert.True(shown.Sum(l => l.TrimEnd('…').Length) <= budget, context);
            var whole = shown.Where(l => !l.EndsWith('…')).ToList();
            var next = 0;
            foreach (var line in whole)
            {
                next = lines.IndexOf(line, next) + 1;
                Assert.True(next > 0, context); // each whole line is a message, in order
            }

            Assert.True(shown.Count(l => l.EndsWith('…')) <= 1, context);
            if (lines.Sum(l => l.Length) <= budget)
            {
                Assert.Equal(lines, shown);
                Assert.False(marker.Success, context);
                continue;
            }

            Assert.True(marker.Success, context);
            Assert.Equal(lines.Count, whole.Count + int.Parse(marker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (lines[0].Length <= budget / 2)
            {
                Assert.Equal(lines[0], shown[0]);
            }

            if (lines[0].Length <= budget / 2 && lines[^1].Length <= budget / 2)
            {
                Assert.Equal(lines[^1], shown[^1]);
            }
        }
    }

    [Fact]
    public async Task WhatTheEndLeavesOfTheBudget_GoesToTheMessagesAfterTheStart()
    {
        // Lines of 480, 100, 2,000 and 10 characters in a budget of 1,000: the start (480) and the end (10) leave 510,
        // enough for the second message whole and 410 characters of the third.
        var session = TestData.CompletedSession("s", "u", "a" + new string('a', 473), "b" + new string('b', 93), new string('c', 1_994), "dddd");

        var prompt = await PromptSentAsync(1_000, session);

        var lines = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..].Split('\n');
        Assert.Equal(new string('b', 94), Assert.Single(lines, l => l.StartsWith("user: b", StringComparison.Ordinal))[6..]);
        Assert.Equal(6 + 404, Assert.Single(lines, l => l.StartsWith("user: c", StringComparison.Ordinal)).TrimEnd('…').Length);
        Assert.Contains("[… 1 message(s) cut to fit the transcript budget]", lines);
        Assert.Contains("user: dddd", lines);
    }

    [Fact]
    public async Task AFirstMessageOfExactlyHalfTheBudget_IsKeptWhole_BeforeTheEndTakesItsShare()
    {
        // Lines of 500, 2,000 and 600 characters in a budget of 1,000: the first fits half the budget exactly and stays
        // whole; the last (over half) does not fit beside it, and the rest of the budget goes to the second, cut.
        var session = TestData.CompletedSession("s", "u", new string('a', 494), new string('b', 2_000), new string('c', 594));

        var prompt = await PromptSentAsync(1_000, session);

        var lines = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..].Split('\n');
        Assert.Contains("user: " + new string('a', 494), lines);
        Assert.Equal(500, Assert.Single(lines, l => l.StartsWith("user: b", StringComparison.Ordinal)).TrimEnd('…').Length);
        Assert.DoesNotContain(lines, l => l.StartsWith("user: c", StringComparison.Ordinal));
        Assert.Contains("[… 2 message(s) cut to fit the transcript budget]", lines);
    }

    [Fact]
    public async Task ALastMessageThatFillsTheRestOfTheBudgetExactly_IsKeptWhole()
    {
        // Lines of 400, 300 and 600 characters in a budget of 1,000: the start takes 400, and the end (the last message,
        // where a user often says what changed) fits the 600 left exactly; the second message is the one cut.
        var session = TestData.CompletedSession("s", "u", new string('a', 394), new string('b', 294), new string('c', 594));

        var prompt = await PromptSentAsync(1_000, session);

        var lines = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..].Split('\n');
        Assert.Contains("user: " + new string('a', 394), lines);
        Assert.Contains("user: " + new string('c', 594), lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("user: b", StringComparison.Ordinal));
        Assert.Contains("[… 1 message(s) cut to fit the transcript budget]", lines);
    }

    [Theory]
    [InlineData(474, false)] // 40 characters of room: too few to show part of a message
    [InlineData(473, true)]  // 41
    public async Task AMessageIsCutInsideIt_OnlyWhenMoreThan40CharactersOfRoomAreLeft(int lastLength, bool cut)
    {
        var session = TestData.CompletedSession("s", "u", new string('a', 474), new string('b', 2_000), new string('d', lastLength));

        var prompt = await PromptSentAsync(1_000, session);

        var lines = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..].Split('\n');
        var partial = lines.Where(l => l.StartsWith("user: b", StringComparison.Ordinal)).ToList();
        Assert.Equal(cut ? ["user: " + new string('b', 35) + "…"] : [], partial);
    }

    [Fact]
    public async Task AMessageLongerThanTheBudget_IsCutInsideIt_NotLeftOut()
    {
        var session = TestData.CompletedSession("long", "u", "Call me Ana, I am a nurse. " + new string('x', 9_000));

        var prompt = await PromptSentAsync(5_000, session);

        var transcript = prompt[prompt.IndexOf("### S1", StringComparison.Ordinal)..];
        Assert.Contains("user: Call me Ana, I am a nurse. xxx", transcript, StringComparison.Ordinal);
        Assert.Contains("x…", transcript, StringComparison.Ordinal);
        Assert.Contains("[… 1 message(s) cut to fit the transcript budget]", transcript, StringComparison.Ordinal);
        Assert.InRange(transcript.Length, 4_900, 5_300);
    }

    [Theory]
    [InlineData("Remove")]
    [InlineData(" remove ")]
    [InlineData("REMOVE")]
    public async Task TheRemoveAction_IsReadWhateverItsCaseOrSpacing(string action)
    {
        var client = TestChatClient.Replying(_ => $$"""{"edits":[{"section":"demographics","field":"age","action":"{{action}}","value":null,"reason":"r","sessions":["S1"]}]}""");

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.Equal(PersonaEditOperation.Remove, Assert.Single(result.Edits).Operation);
    }

    [Theory]
    [InlineData("""{"edits":null}""")]
    [InlineData("""{}""")]
    public async Task NoListOfEdits_IsAnAnswerWithNoEdits(string reply)
    {
        var result = await CreateOptimizer(TestChatClient.Replying(_ => reply)).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded);
        Assert.Empty(result.Edits);
    }

    [Fact]
    public async Task NullsInsideTheAnswer_AreSkippedOrLeftForTheValidator_NeverThrown()
    {
        var client = TestChatClient.Replying(_ => """
            {"edits":[
              null,
              {"section":null,"field":"name","action":null,"value":"Ana","reason":null,"sessions":null},
              {"section":"demographics","field":"career","value":"Nurse","sessions":[null," s2 ","S2","S7"]}
            ]}
            """);

        var result = await CreateOptimizer(client).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), Sessions));

        Assert.True(result.Succeeded);
        Assert.Collection(
            result.Edits,
            e => Assert.Equal((string.Empty, PersonaEditOperation.Set, 0), (e.Section, e.Operation, e.SourceSessionIds.Count)), // no section: the validator rejects it
            e => Assert.Equal(("career", PersonaEditOperation.Set, "Nurse"), (e.Field, e.Operation, e.Value!)));
        Assert.Equal(["id-2"], result.Edits[1].SourceSessionIds); // labels trimmed, unknown and null ones dropped, each id once
    }

    [Fact]
    public async Task WhatAShortSessionLeaves_GoesToTheLongerOne()
    {
        var shortSession = TestData.CompletedSession("short", "u", "Call me Ana.");
        var longSession = TestData.CompletedSession("long", "u", [.. Enumerable.Range(0, 200).Select(i => $"message {i} " + new string('x', 200))]);

        var prompt = await PromptSentAsync(24_000, shortSession, longSession);

        // 24,000 characters in all: the short session takes what it needs and the long one nearly all the rest, rather than
        // half (which would keep about messages 0–27 and 173–199).
        var transcript = prompt[prompt.IndexOf("### S2", StringComparison.Ordinal)..];
        Assert.Contains("Call me Ana.", prompt, StringComparison.Ordinal);
        Assert.Contains(": message 40 ", transcript, StringComparison.Ordinal);
        Assert.Contains(": message 160 ", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(": message 100 ", transcript, StringComparison.Ordinal);
        Assert.InRange(transcript.Length, 22_000, 24_500);
    }

    [Theory]
    [InlineData(LogLevel.Trace, true)]
    [InlineData(LogLevel.Debug, false)]
    public async Task TheModelsReply_WhichHoldsWhatItLearned_IsLoggedOnlyAtTrace(LogLevel minimum, bool logged)
    {
        const string Reply = """{"edits":[{"section":"demographics","field":"career","action":"set","value":"Oncology nurse","reason":"said so","sessions":["S1"]}]}""";
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new FakeLoggerProvider(logs)));
        var optimizer = new LlmPersonaOptimizer(TestChatClient.Replying(_ => Reply), TestOptions.Create(), factory.CreateLogger<LlmPersonaOptimizer>());

        var result = await optimizer.OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("ana-raw-id"), PersonaSchema.CreateDefault(), Sessions));

        Assert.Equal("Oncology nurse", Assert.Single(result.Edits).Value);
        var mentions = logs.GetSnapshot().Where(r => r.Message.Contains("Oncology nurse", StringComparison.Ordinal)).ToList();
        Assert.Equal(logged, mentions.Count == 1);
        Assert.All(mentions, r => Assert.Equal((LogLevel.Trace, true), (r.Level, r.Message.Contains("ana-raw-id", StringComparison.Ordinal))));
    }

    /// <summary>Answers broken at random (seeded): characters dropped, repeated, inserted or written over, JSON's own
    /// among them, half of a surrogate pair and U+0000 too. Whatever the model writes, the optimizer returns a success
    /// or a failure and never throws; what it reads cites only the sessions it was given, and the validator and the
    /// persona take it.</summary>
    [Fact]
    public async Task AnswersBrokenAtRandom_NeverThrow_AndWhatIsReadCitesOnlyTheGivenSessions()
    {
        string[] answers =
        [
            """{"edits":[{"section":"demographics","field":"name","action":"set","value":"Ana","reason":"said so","sessions":["S1"]},{"section":"preferences","field":"formats","action":"remove","value":null,"reason":"changed","sessions":["S2"]}]}""",
            "Here you go:\n```json\n[{\"section\":\"Travel Plans\",\"field\":\"budget\",\"value\":[\"low\", 2],\"sessions\":\"Session 1 and S2\"}]\n```\nHope it helps {:}",
            "<think>{\"edits\": []} is wrong</think>{\"Edits\":[{\"Section\":\"demographics\",\"Field\":\"age\",\"Value\":34,\"Sessions\":[\"[S2]\"]},],/*note*/}",
        ];
        const string Inserted = "{}[]\",:\\ 0123456789aeSn\n\u0000\ud83d\ude00\u00e9";
        var random = new Random(2642);
        var schema = PersonaSchema.CreateDefault();
        schema.AllowUnknownFields = true;
        var (succeeded, failed) = (0, 0);
        for (var i = 0; i < 3000; i++)
        {
            var text = RandomDamage.Apply(answers[random.Next(answers.Length)], random, Inserted, maxChanges: 5, maxRun: 7);
            var result = await CreateOptimizer(TestChatClient.Replying(_ => text)).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), schema, Sessions));

            if (!result.Succeeded)
            {
                failed++;
                Assert.False(string.IsNullOrWhiteSpace(result.Error), text);
                continue;
            }

            succeeded++;
            Assert.All(result.Edits, e => Assert.Subset(new HashSet<string> { "id-1", "id-2" }, e.SourceSessionIds.ToHashSet()));
            var (accepted, _) = PersonaEditValidator.Validate(result.Edits, schema, ["id-1", "id-2"], 300, Persona.CreateEmpty("u"));
            Persona.CreateEmpty("u").ApplyEdits(accepted, DateTimeOffset.UnixEpoch);
        }

        // Both ways out were taken, many times over.
        Assert.True(succeeded > 300 && failed > 300, $"{succeeded} read, {failed} refused");
    }

    // The prompt the optimizer sends for these sessions (and an empty persona) under a transcript budget.
    private static async Task<string> PromptSentAsync(int maxTranscript, params ConversationSession[] sessions)
    {
        var client = TestChatClient.Replying(_ => """{"edits":[]}""");
        await CreateOptimizer(client, maxTranscript).OptimizeAsync(new PersonaOptimizationRequest(Persona.CreateEmpty("u"), PersonaSchema.CreateDefault(), sessions));
        return client.Calls.Single().Messages[^1].Text;
    }

    private static LlmPersonaOptimizer CreateOptimizer(IChatClient client, int maxTranscript = 24_000)
        => new(client, TestOptions.Create(o => o.MaxTranscriptCharacters = maxTranscript));
}
