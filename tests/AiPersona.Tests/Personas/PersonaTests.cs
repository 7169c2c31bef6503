using System.Text.Json;

namespace AiPersona.Tests.Personas;

public class PersonaTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ApplyEdits_ProducesNextVersionAndOneRevisionPerChangedField()
    {
        var persona = Persona.CreateEmpty("u1");

        var change = persona.ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Ana", "said so", "s1"), PersonaEdit.Set("preferences", "formats", "Bullet points", null, "s2")],
            Now);

        Assert.Equal(0, change.BaseVersion);
        Assert.Equal(1, change.Updated.Version);
        Assert.Equal(Now, change.Updated.UpdatedAt);
        Assert.Equal("Ana", change.Updated.GetValue("Demographics", "NAME")!.Value);
        Assert.Equal(["s1"], change.Updated.GetValue("demographics", "name")!.SourceSessionIds);
        Assert.Collection(
            change.Revisions,
            r => Assert.Equal(("demographics", "name", (string?)null, "Ana", 1L), (r.Section, r.Field, r.OldValue, r.NewValue, r.Version)),
            r => Assert.Equal(("preferences", "formats", "Bullet points"), (r.Section, r.Field, r.NewValue!)));
        Assert.True(persona.IsEmpty);
        Assert.False(change.Updated.IsEmpty);
    }

    [Fact]
    public void ApplyEdits_SkipsEditsThatChangeNothing()
    {
        var persona = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now).Updated;

        var change = persona.ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Remove("demographics", "age")], Now);

        Assert.True(change.IsEmpty);

        // An edit that changes nothing does not stop the ones after it.
        var next = persona.ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Remove("demographics", "age"), PersonaEdit.Set("preferences", "formats", "Tables")],
            Now);
        Assert.Equal([("preferences", "formats", "Tables")], next.Revisions.Select(r => (r.Section, r.Field, r.NewValue!)));
    }

    [Fact]
    public void ApplyEdits_RemoveRecordsOldValue()
    {
        var persona = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "age", "30s")], Now).Updated;

        var change = persona.ApplyEdits([PersonaEdit.Remove("demographics", "age", "contradicted", "s9")], Now);

        Assert.Null(change.Updated.GetValue("demographics", "age"));
        Assert.True(change.Updated.IsEmpty);
        Assert.Empty(change.Updated.Sections); // its last field removed, the section is gone too
        var revision = Assert.Single(change.Revisions);
        Assert.Equal(("30s", (string?)null, "contradicted"), (revision.OldValue!, revision.NewValue, revision.Reason!));

        // A removal does not stop the edits after it.
        var next = persona.ApplyEdits([PersonaEdit.Remove("demographics", "age"), PersonaEdit.Set("demographics", "name", "Ana")], Now);
        Assert.Equal(["age", "name"], next.Revisions.Select(r => r.Field));
    }

    [Fact]
    public void ApplyEdits_RejectsEmptySetValue()
    {
        var ex = Assert.Throws<ArgumentException>(() => Persona.CreateEmpty("u1").ApplyEdits([new PersonaEdit("demographics", "name", PersonaEditOperation.Set, " ", null, [])], Now));
        Assert.Contains("Remove", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyEdits_RejectsAnOperationThatIsNeitherSetNorRemove()
    {
        var persona = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now).Updated;

        var ex = Assert.Throws<ArgumentException>(() => persona.ApplyEdits([new PersonaEdit("demographics", "name", (PersonaEditOperation)7, "Bea", null, [])], Now));

        Assert.Equal("edits", ex.ParamName);
        Assert.Contains("The edit of 'demographics.name' has an unknown operation '7'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Ana", persona.GetValue("demographics", "name")!.Value);
    }

    [Fact]
    public void Constructor_RejectsAValueWithoutText_OrANullSourceSession_WhichNoStoreCouldReadBack()
    {
        Persona With(PersonaValue value) => new("u1", 1, Now, new Dictionary<string, IReadOnlyDictionary<string, PersonaValue>> { ["demographics"] = new Dictionary<string, PersonaValue> { ["name"] = value } });

        Assert.Equal("sections", Assert.Throws<ArgumentException>(() => With(new PersonaValue(null!, Now, []))).ParamName);
        Assert.Equal("sections", Assert.Throws<ArgumentException>(() => With(new PersonaValue("Ana", Now, ["s1", null!]))).ParamName);
        Assert.Empty(With(new PersonaValue("Ana", Now, null!)).GetValue("demographics", "name")!.SourceSessionIds); // none given: none
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_RejectsBlankUserId(string userId)
        => Assert.Throws<ArgumentException>(() => Persona.CreateEmpty(userId));

    [Fact]
    public void Constructor_RejectsOverlongUserId_ButTakesOneOfTheLongestLength()
    {
        Assert.Throws<ArgumentException>(() => Persona.CreateEmpty(new string('x', UserIds.MaxLength + 1)));
        Assert.Equal(UserIds.MaxLength, Persona.CreateEmpty(new string('x', UserIds.MaxLength)).UserId.Length);
    }

    [Fact]
    public void UserIdsWithHalfASurrogatePair_AreRejected_SoTwoSuchIdsCannotShareOneStorageKey()
    {
        // UTF-8 turns every lone surrogate into U+FFFD: these two ids would hash to the same key.
        string[] ids = ["user\uD800", "user\uDBFF", "\uDC00user", "user\uDC00\uD800"];

        Assert.All(ids, id => Assert.Contains("surrogate", Assert.Throws<ArgumentException>(() => Persona.CreateEmpty(id)).Message, StringComparison.Ordinal));
        Assert.Equal("user\U0001F600", Persona.CreateEmpty("user\U0001F600").UserId); // a whole pair is fine
    }

    [Fact]
    public void RoundTripsThroughSourceGeneratedJson()
    {
        var persona = Persona.CreateEmpty("u1")
            .ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana", "stated", "s1", "s2")], Now).Updated
            .WithLastLearnedSessions(["s1", "s2", "s3"]);

        var json = JsonSerializer.Serialize(persona, AiPersonaJsonContext.Default.Persona);
        var back = JsonSerializer.Deserialize(json, AiPersonaJsonContext.Default.Persona)!;

        Assert.Equal(["s1", "s2", "s3"], back.LastLearnedSessionIds);

        Assert.Equal(persona.UserId, back.UserId);
        Assert.Equal(persona.Version, back.Version);
        Assert.Equal(persona.UpdatedAt, back.UpdatedAt);
        Assert.Equal(persona.GetValue("demographics", "name")!.Value, back.GetValue("DEMOGRAPHICS", "Name")!.Value);
        Assert.Equal(["s1", "s2"], back.GetValue("demographics", "name")!.SourceSessionIds);
        Assert.Equal("stated", back.GetValue("demographics", "name")!.Reason);
    }

    [Fact]
    public void EditsAreTakenAsStoresKeepText_SoTheSameEditAfterASaveChangesNothing()
    {
        // Half an emoji (a UI that cut text short) cannot go through UTF-8, and PostgreSQL text cannot hold U+0000: stores
        // give back U+FFFD. Were the edit kept as it came, the in-memory store would differ from the others, and the same
        // edit after a save would look like a change each time.
        var edit = PersonaEdit.Set("demo\uD83Dgraphics", "na\0me", "Ana \uD83D", "said so \uDE00", "s\0");

        var change = Persona.CreateEmpty("u1").ApplyEdits([edit], Now);
        var stored = JsonSerializer.Deserialize(JsonSerializer.Serialize(change.Updated, AiPersonaJsonContext.Default.Persona), AiPersonaJsonContext.Default.Persona)!;

        var value = change.Updated.GetValue("demo\uFFFDgraphics", "na\uFFFDme")!;
        Assert.Equal(("Ana \uFFFD", "said so \uFFFD"), (value.Value, value.Reason));
        Assert.Equal(["s\uFFFD"], value.SourceSessionIds);
        var revision = Assert.Single(change.Revisions);
        Assert.Equal(("demo\uFFFDgraphics", "na\uFFFDme", "Ana \uFFFD", "said so \uFFFD"), (revision.Section, revision.Field, revision.NewValue, revision.Reason));
        Assert.Equal(["s\uFFFD"], revision.SourceSessionIds);
        var read = stored.GetValue("demo\uFFFDgraphics", "na\uFFFDme")!;
        Assert.Equal((value.Value, value.Reason, value.SetAt), (read.Value, read.Reason, read.SetAt));
        Assert.Equal(value.SourceSessionIds, read.SourceSessionIds);
        Assert.True(stored.ApplyEdits([edit], Now.AddHours(1)).IsEmpty);

        // The field is found by the names the edit gave, as stored.
        Assert.Same(value, change.Updated.GetValue(edit.Section, edit.Field));
        var corrected = change.Updated.ApplyEdits([PersonaEdit.Set("demo\uD83Dgraphics", "age\0", "34")], Now).Updated;
        Assert.Equal(Now, corrected.GetCorrectedAt("demo\uDC00graphics", "age\uD800"));
        Assert.True(PersonaChanges.IsRevisionOf(revision, edit.Section, edit.Field));
    }

    [Fact]
    public void APersonaBuiltByHand_HoldsItsTextAsStoresKeepIt()
    {
        var persona = new Persona(
            "u1",
            1,
            Now,
            new Dictionary<string, IReadOnlyDictionary<string, PersonaValue>>
            {
                ["s\uD800"] = new Dictionary<string, PersonaValue>
                {
                    ["f\0"] = new("v\uDFFF", Now, ["id\uD800"], "r\0"),
                    ["reason only"] = new("fine", Now, ["id"], "r\uD800"),
                    ["ids only"] = new("fine", Now, ["id", "id\0"], "fine"),
                },
            },
            ["id\uDBFF"]);

        var value = persona.GetValue("s\uFFFD", "f\uFFFD")!;
        Assert.Equal(("v\uFFFD", "r\uFFFD"), (value.Value, value.Reason));
        Assert.Equal(["id\uFFFD"], value.SourceSessionIds);
        Assert.Equal("r\uFFFD", persona.GetValue("s\uFFFD", "reason only")!.Reason);
        Assert.Equal(["id", "id\uFFFD"], persona.GetValue("s\uFFFD", "ids only")!.SourceSessionIds);
        Assert.Equal(["id\uFFFD"], persona.LastLearnedSessionIds);
    }

    [Fact]
    public void EditsCitingNoSession_AreRecordedAsTheApplicationsCorrections_AndKeptThroughLaterEdits()
    {
        var learned = Persona.CreateEmpty("u1").ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Anna", "introduced herself", "s1"), PersonaEdit.Set("demographics", "age", "34", "r", "s1")], Now).Updated;
        Assert.Empty(learned.CorrectedAt);

        var later = Now.AddDays(1);
        var corrected = learned.ApplyEdits(
            [PersonaEdit.Set("demographics", "name", "Ana", "the user corrected it"), PersonaEdit.Remove("demographics", "age"), PersonaEdit.Set("demographics", "gender", "female", "unchanged below", "s2")],
            later).Updated;
        Assert.Equal((DateTimeOffset?)later, corrected.GetCorrectedAt("DEMOGRAPHICS", "Name"));
        Assert.Equal((DateTimeOffset?)later, corrected.GetCorrectedAt("demographics", "age")); // forgotten: no value, still recorded
        Assert.Null(corrected.GetCorrectedAt("demographics", "gender"));

        // An edit that changes nothing is no correction; the optimizer's edits keep the recorded ones.
        var next = corrected.ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Set("demographics", "career", "nurse", "r", "s3")], later.AddDays(1)).Updated;
        Assert.Equal((DateTimeOffset?)later, next.GetCorrectedAt("demographics", "name"));
        Assert.Null(next.GetCorrectedAt("demographics", "career"));

        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(next, AiPersonaJsonContext.Default.Persona), AiPersonaJsonContext.Default.Persona)!;
        Assert.Equal((DateTimeOffset?)later, back.GetCorrectedAt("demographics", "age"));
        Assert.Equal((DateTimeOffset?)later, back.WithLastLearnedSessions(["s3"]).GetCorrectedAt("demographics", "name"));
    }

    [Fact]
    public void ADocumentWrittenBeforeLastLearnedSessionIdsExisted_ReadsWithNone_AndEditsKeepThem()
    {
        const string Stored = """{"userId":"u1","version":2,"updatedAt":"2026-03-01T12:00:00+00:00","sections":{"demographics":{"name":{"value":"Ana","setAt":"2026-03-01T12:00:00+00:00","sourceSessionIds":["s1"]}}}}""";

        var read = JsonSerializer.Deserialize(Stored, AiPersonaJsonContext.Default.Persona)!;

        Assert.Equal((2L, "Ana"), (read.Version, read.GetValue("demographics", "name")!.Value));
        Assert.Empty(read.LastLearnedSessionIds);
        Assert.Empty(read.CorrectedAt);
        var learned = read.WithLastLearnedSessions(["s7", "s8"]);
        Assert.Equal(["s7", "s8"], learned.ApplyEdits([PersonaEdit.Set("demographics", "age", "34")], Now).Updated.LastLearnedSessionIds);
    }

    [Fact]
    public void DefaultSchema_HasThePapersSectionsAndFields()
    {
        var schema = PersonaSchema.CreateDefault();

        Assert.Equal(["demographics", "personality", "patterns", "preferences"], schema.Sections.Select(s => s.Name));
        Assert.Equal(["name", "age", "gender", "nationality", "languages", "career"], schema.FindSection("demographics")!.Fields.Select(f => f.Name));
        Assert.Equal(4, schema.FindSection("personality")!.Fields.Count(f => f.Name.Contains('_', StringComparison.Ordinal) && f.Name != "values_and_interests"));
        Assert.Equal(["styles", "formats", "workflows"], schema.FindSection("preferences")!.Fields.Select(f => f.Name));
        Assert.False(schema.AllowUnknownFields);
    }
}
