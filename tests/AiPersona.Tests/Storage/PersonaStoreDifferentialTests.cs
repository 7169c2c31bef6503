using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage;

/// <summary>
/// Plays one seeded random sequence of persona changes through the <see cref="IPersonaStore"/> on the in-memory backend
/// (the reference) and on the backend under test, and requires the same results from both after every step: every
/// return value and exception, every persona field by field (values, provenance, corrections, the sessions last learned)
/// and the whole revision history. The changes are what the optimizer and apps make: several edits at once, sets and
/// removals, names in another case, fields outside the schema, learned and corrected values, text that storage finds
/// awkward (U+0000, half an emoji, quotes, 2,000 characters), saves from a stale read, one field's history forgotten, the
/// user deleted, and the app restarted (the backend under test only: it must keep everything). Derive once per backend.
/// </summary>
public abstract class PersonaStoreDifferentialTests
{
    private const int Steps = 200;
    private static readonly DateTimeOffset Start = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Users = ["ana", "../../ben", "chloé 😀", new('d', 300)];
    private static readonly string[] Sections = ["demographics", "Demographics", "preferences", "PATTERNS", "custom section"];
    private static readonly string[] Fields = ["name", "Name", "career", "styles", "notes about the user"];
    private static readonly string[] AwkwardEndings = [" 😀", " \u0000 nul", " \uD83D half", " it's \"quoted\"; DROP TABLE x; --", " " + new string('w', 2_000), " \t tab\r\n new line", " ü ñ 中文", "  "];

    /// <summary>Points the app at the backend's storage (the same storage each time it is called).</summary>
    protected abstract void UseStorage(IAiPersonaBuilder builder);

    /// <summary>Runs the sequence of one seed; the derived test calls it once its storage is ready.</summary>
    protected async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        var log = new List<string>();
        await using var reference = new Backend(static _ => { });
        await using var tested = new Backend(UseStorage);
        for (var step = 1; step <= Steps; step++)
        {
            var operation = Next(random, step);
            log.Add(operation.ToString());
            var expected = await operation.RunAsync(reference);
            var actual = await operation.RunAsync(tested);
            Assert.True(expected == actual, Divergence.Describe(seed, log, "the result differs", expected, actual));

            var expectedState = await reference.DescribeAsync();
            var actualState = await tested.DescribeAsync();
            Assert.True(expectedState == actualState, Divergence.Describe(seed, log, "the stored personas differ", expectedState, actualState));

            if (random.Next(40) == 0)
            {
                log.Add("restart");
                await tested.RestartAsync();
            }
        }

        // The sequence must have taken every kind of step, and the stale saves must have been refused, or it proves little.
        var steps = string.Join('\n', log);
        foreach (var kind in new[] { "edit ", "stale ", "forget-field ", "delete-user ", "restart" })
        {
            Assert.Contains(kind, steps, StringComparison.Ordinal);
        }
    }

    private static Operation Next(Random random, int step)
    {
        var user = Users[random.Next(100) switch { < 40 => 0, < 70 => 1, < 90 => 2, _ => 3 }];
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
            var reason = random.Next(4) == 0 ? null : $"r{step}" + (random.Next(6) == 0 ? AwkwardEndings[random.Next(AwkwardEndings.Length)] : string.Empty);
            edits.Add(random.Next(4) == 0
                ? PersonaEdit.Remove(section, field, reason, sources)
                : PersonaEdit.Set(section, field, $"v{step}.{i}" + (random.Next(4) == 0 ? AwkwardEndings[random.Next(AwkwardEndings.Length)] : string.Empty), reason, sources));
        }

        return edits;
    }

    private static string Seconds(DateTimeOffset at) => at == DateTimeOffset.MinValue ? "never" : ((long)(at - Start).TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static string Escape(string? text)
        => text is null ? "null" : (text.Length > 40 ? $"{text[..20]}…({text.Length} chars, hash {text.GetHashCode(StringComparison.Ordinal)})" : text)
            .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private enum OperationKind
    {
        Edit,
        StaleSave,
        ForgetField,
        DeleteUser,
    }

    private sealed record Operation(OperationKind Kind, string User, IReadOnlyList<PersonaEdit> Edits, IReadOnlyList<string>? Learned)
    {
        public async Task<string> RunAsync(Backend backend)
        {
            backend.Time.Advance(TimeSpan.FromSeconds(7));
            var store = backend.Store;
            switch (Kind)
            {
                case OperationKind.Edit:
                    return await SaveAsync(store, await store.GetAsync(User), backend.Time.GetUtcNow());
                case OperationKind.StaleSave:
                    // Another writer saves between this one's read and its save: the save must be refused, whatever it holds.
                    var read = await store.GetAsync(User);
                    var other = await SaveAsync(store, read, backend.Time.GetUtcNow(), PersonaEdit.Set("demographics", "career", $"other writer at {Seconds(backend.Time.GetUtcNow())}", "concurrent"));
                    try
                    {
                        var stale = read.ApplyEdits([.. Edits, PersonaEdit.Set("preferences", "stale", "stale write")], backend.Time.GetUtcNow());
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

    // One backend as an app sees it: its own service provider and its own clock, advanced alike for both backends.
    private sealed class Backend : IAsyncDisposable
    {
        private readonly Action<IAiPersonaBuilder> _useStorage;
        private ServiceProvider _provider;

        public Backend(Action<IAiPersonaBuilder> useStorage)
        {
            _useStorage = useStorage;
            _provider = Build();
        }

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time { get; } = new(Start);

        public IPersonaStore Store => _provider.GetRequiredService<IPersonaStore>();

        public async Task RestartAsync()
        {
            await _provider.DisposeAsync();
            _provider = Build();
        }

        public async Task<string> DescribeAsync()
        {
            var text = new StringBuilder();
            for (var u = 0; u < Users.Length; u++)
            {
                var persona = await Store.GetAsync(Users[u]);
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
                foreach (var r in await Store.GetHistoryAsync(Users[u]))
                {
                    text.Append(CultureInfo.InvariantCulture, $" v{r.Version} {r.Section}.{r.Field} {Escape(r.OldValue)} -> {Escape(r.NewValue)} because {Escape(r.Reason)} from {string.Join('+', r.SourceSessionIds)} at {Seconds(r.ChangedAt)};");
                }

                text.Append('\n');
            }

            return text.ToString();
        }

        public ValueTask DisposeAsync() => _provider.DisposeAsync();

        private ServiceProvider Build()
        {
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(Time);
            _useStorage(services.AddAiPersona());
            return services.BuildServiceProvider();
        }
    }
}
