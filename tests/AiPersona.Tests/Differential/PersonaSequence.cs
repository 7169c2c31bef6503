using System.Globalization;
using System.Text;
using static AiPersona.Tests.Differential.Differential;

namespace AiPersona.Tests.Differential;

/// <summary>
/// Plays one seeded random sequence of persona changes through the <see cref="IPersonaStore"/> on the in-memory backend
/// (the reference) and on the backend under test, and requires the same results from both after every step: every
/// return value and exception, every persona field by field (values, provenance, corrections, the sessions last learned)
/// and the whole revision history. The changes are what the optimizer and apps make: several edits at once, sets and
/// removals, names in another case, fields outside the schema, learned and corrected values, text that storage finds
/// awkward (U+0000, half an emoji, quotes, 2,000 characters), saves from a stale read, one field's history forgotten, the
/// user deleted, and the app restarted (the backend under test only: it must keep everything).
/// </summary>
internal static class PersonaSequence
{
    private const int Steps = 200;
    private static readonly string[] Sections = ["demographics", "Demographics", "preferences", "PATTERNS", "custom section"];
    private static readonly string[] Fields = ["name", "Name", "career", "styles", "notes about the user"];

    /// <summary>Runs the sequence of one seed against the storage <paramref name="useStorage"/> configures.</summary>
    public static async Task RunAsync(int seed, Action<IAiPersonaBuilder> useStorage)
    {
        var random = new Random(seed);
        var log = new List<string>();
        var staleSaves = new List<string>();
        await using var reference = new DifferentialApp(static _ => { });
        await using var tested = new DifferentialApp(useStorage);
        for (var step = 1; step <= Steps; step++)
        {
            var operation = Next(random, step);
            log.Add(operation.ToString());
            var (result, _) = await StepAsync(seed, log, reference, tested, operation.RunAsync, DescribeAsync);
            if (operation.Kind == OperationKind.StaleSave)
            {
                staleSaves.Add(result);
            }

            if (random.Next(40) == 0)
            {
                log.Add("restart");
                await tested.RestartAsync();
            }
        }

        // Every save from a stale read must have been refused (by the reference too), and the sequence must have taken every
        // kind of step, or it proves little.
        Assert.NotEmpty(staleSaves);
        Assert.All(staleSaves, result => Assert.Contains("stale save refused", result, StringComparison.Ordinal));
        var steps = string.Join('\n', log);
        foreach (var kind in new[] { "edit ", "forget-field ", "delete-user ", "restart" })
        {
            Assert.Contains(kind, steps, StringComparison.Ordinal);
        }
    }

    private static Operation Next(Random random, int step)
    {
        var user = PickUser(random);
        return random.Next(100) switch
        {
            < 75 => new Operation(OperationKind.Edit, user, Edits(random, step), random.Next(8) == 0 ? [$"s{step}", $"s{step + 1}"] : null),
            < 87 => new Operation(OperationKind.StaleSave, user, Edits(random, step), null),
            < 97 => new Operation(OperationKind.ForgetField, user, [PersonaEdit.Remove(Sections[random.Next(Sections.Length)], Fields[random.Next(Fields.Length)])], null),
            _ => new Operation(OperationKind.DeleteUser, user, [], null),
        };
    }

    private static List<PersonaEdit> Edits(Random random, int step)
    {
        var edits = new List<PersonaEdit>();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            var section = Sections[random.Next(Sections.Length)];
            var field = Fields[random.Next(Fields.Length)];
            IReadOnlyList<string> sources = random.Next(3) switch { 0 => [], 1 => [$"s{step}"], _ => [$"s{step - 1}", $"s{step}"] };
            var reason = random.Next(4) == 0 ? null : $"r{step}" + MaybeAwkward(random, 6);
            edits.Add(random.Next(4) == 0
                ? PersonaEdit.Remove(section, field, reason, sources)
                : PersonaEdit.Set(section, field, $"v{step}.{i}" + MaybeAwkward(random, 4), reason, sources));
        }

        return edits;
    }

    private enum OperationKind
    {
        Edit,
        StaleSave,
        ForgetField,
        DeleteUser,
    }

    private sealed record Operation(OperationKind Kind, string User, IReadOnlyList<PersonaEdit> Edits, IReadOnlyList<string>? Learned)
    {
        public async Task<string> RunAsync(DifferentialApp app)
        {
            app.Time.Advance(TimeSpan.FromSeconds(7));
            var store = app.Store;
            switch (Kind)
            {
                case OperationKind.Edit:
                    return await SaveAsync(store, await store.GetAsync(User), app.Time.GetUtcNow());
                case OperationKind.StaleSave:
                    // Another writer saves between this one's read and its save: the save must be refused, whatever it holds.
                    var read = await store.GetAsync(User);
                    var other = await SaveAsync(store, read, app.Time.GetUtcNow(), PersonaEdit.Set("demographics", "career", $"other writer at {Seconds(app.Time.GetUtcNow())}", "concurrent"));
                    try
                    {
                        var stale = read.ApplyEdits([.. Edits, PersonaEdit.Set("preferences", "stale", "stale write")], app.Time.GetUtcNow());
                        var saved = await store.SaveAsync(stale);
                        return $"{other}; stale save accepted at v{saved.Version}";
                    }
                    catch (PersonaConcurrencyException ex)
                    {
                        return $"{other}; stale save refused: expected v{ex.ExpectedVersion}, found v{ex.ActualVersion}";
                    }

                case OperationKind.ForgetField:
                    var edit = Edits[0];
                    return $"{await store.DeleteFieldHistoryAsync(User, edit.Section, edit.Field)} revisions forgotten";
                default:
                    await store.DeleteUserAsync(User);
                    return "deleted";
            }
        }

        public override string ToString()
        {
            var who = $"user {Array.IndexOf(Users, User)}";
            var edits = string.Join(", ", Edits.Select(static e => $"{e.Operation} {e.Section}.{e.Field}={Escape(e.Value)} ({string.Join('+', e.SourceSessionIds ?? [])})"));
            return Kind switch
            {
                OperationKind.Edit => $"edit {who}: {edits}{(Learned is null ? string.Empty : $"; learned {string.Join('+', Learned)}")}",
                OperationKind.StaleSave => $"stale {who}: {edits}",
                OperationKind.ForgetField => $"forget-field {who}: {Edits[0].Section}.{Edits[0].Field}",
                _ => $"delete-user {who}",
            };
        }

        private async Task<string> SaveAsync(IPersonaStore store, Persona current, DateTimeOffset now, params PersonaEdit[] instead)
        {
            var change = current.ApplyEdits(instead.Length > 0 ? instead : Edits, now);
            if (Learned is not null && instead.Length == 0)
            {
                change = change with { Updated = change.Updated.WithLastLearnedSessions(Learned) };
            }

            if (change.IsEmpty && Learned is null)
            {
                return "nothing changed";
            }

            var saved = await store.SaveAsync(change);
            return $"saved v{saved.Version} with {change.Revisions.Count} revisions";
        }
    }

    // Every persona field by field, its corrections and the sessions it last learned from, its whole history, and which
    // users the store lists.
    public static async Task<string> DescribeAsync(DifferentialApp app)
    {
        var text = new StringBuilder();
        for (var u = 0; u < Users.Length; u++)
        {
            var persona = await app.Store.GetAsync(Users[u]);
            text.Append(CultureInfo.InvariantCulture, $"user {u} v{persona.Version} at {Seconds(persona.UpdatedAt)}, learned from {string.Join('+', persona.LastLearnedSessionIds)}:");
            foreach (var (section, fields) in persona.Sections.OrderBy(static s => s.Key, StringComparer.Ordinal))
            {
                foreach (var (field, value) in fields.OrderBy(static f => f.Key, StringComparer.Ordinal))
                {
                    text.Append(CultureInfo.InvariantCulture, $" {section}.{field}={Escape(value.Value)} set {Seconds(value.SetAt)} from {string.Join('+', value.SourceSessionIds)} because {Escape(value.Reason)};");
                }
            }

            text.Append(" corrected:");
            foreach (var (section, fields) in persona.CorrectedAt.OrderBy(static s => s.Key, StringComparer.Ordinal))
            {
                foreach (var (field, at) in fields.OrderBy(static f => f.Key, StringComparer.Ordinal))
                {
                    text.Append(CultureInfo.InvariantCulture, $" {section}.{field} at {Seconds(at)};");
                }
            }

            text.Append("\n  history:");
            foreach (var r in await app.Store.GetHistoryAsync(Users[u]))
            {
                text.Append(CultureInfo.InvariantCulture, $" v{r.Version} {r.Section}.{r.Field} {Escape(r.OldValue)} -> {Escape(r.NewValue)} because {Escape(r.Reason)} from {string.Join('+', r.SourceSessionIds)} at {Seconds(r.ChangedAt)};");
            }

            text.Append('\n');
        }

        var listed = (await app.Store.GetUserIdsAsync().ToListAsync()).Select(static u => Array.IndexOf(Users, u)).Order();
        return text.Append(CultureInfo.InvariantCulture, $"users with a persona: {string.Join(',', listed)}").ToString();
    }
}
