using System.Text.Json.Serialization;

namespace AiPersona;

/// <summary>What the assistant believes about one user: sections of fields, each with its provenance.</summary>
/// <remarks>
/// <para>A persona is immutable. Change it with <see cref="ApplyEdits"/> and save the resulting <see cref="PersonaChange"/>
/// with <see cref="IPersonaStore.SaveAsync"/>. Section and field names are compared case-insensitively.</para>
/// <para>Its text is held as every store keeps it: half of a surrogate pair (which UTF-8 cannot encode) and U+0000 in a
/// name, value, reason or session id become U+FFFD, so a persona reads back from any store exactly as it was saved. Names
/// given to <see cref="GetValue"/> and <see cref="GetCorrectedAt"/> are looked up the same way.</para>
/// </remarks>
public sealed class Persona
{
    private static readonly IReadOnlyDictionary<string, PersonaValue> EmptySection =
        new Dictionary<string, PersonaValue>(StringComparer.OrdinalIgnoreCase);

    private static readonly IReadOnlyDictionary<string, DateTimeOffset> NoCorrections =
        new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Initializes a new instance of the <see cref="Persona"/> class.</summary>
    /// <param name="userId">The user the persona belongs to.</param>
    /// <param name="version">The version; 0 for a persona that was never saved.</param>
    /// <param name="updatedAt">When the persona last changed.</param>
    /// <param name="sections">Sections → fields → values.</param>
    /// <param name="lastLearnedSessionIds">The sessions the latest persona update learned from; none when
    /// <see langword="null"/>.</param>
    /// <param name="correctedAt">Sections → fields → when the application last changed the field; none when
    /// <see langword="null"/>.</param>
    [JsonConstructor]
    public Persona(
        string userId,
        long version,
        DateTimeOffset updatedAt,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, PersonaValue>>? sections,
        IReadOnlyList<string>? lastLearnedSessionIds = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, DateTimeOffset>>? correctedAt = null)
    {
        UserIds.ThrowIfInvalid(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        UserId = userId;
        Version = version;
        UpdatedAt = updatedAt;
        Sections = Normalize(sections);
        LastLearnedSessionIds = lastLearnedSessionIds is null ? [] : [.. UnicodeText.ToStorableAll(lastLearnedSessionIds)];
        CorrectedAt = Normalize(correctedAt, NoCorrections, nameof(correctedAt), static at => at);
    }

    /// <summary>Gets the user the persona belongs to.</summary>
    [JsonRequired]
    [JsonInclude]
    public string UserId { get; internal init; }

    /// <summary>Gets the version, incremented by every saved change; 0 when the persona was never saved.</summary>
    [JsonRequired]
    [JsonInclude]
    public long Version { get; internal init; }

    /// <summary>Gets when the persona last changed.</summary>
    [JsonRequired]
    [JsonInclude]
    public DateTimeOffset UpdatedAt { get; internal init; }

    /// <summary>Gets the sections → fields → values.</summary>
    [JsonRequired]
    [JsonInclude]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, PersonaValue>> Sections { get; internal init; }

    /// <summary>Gets the sessions the latest persona update learned from, whether an edit cites them or not. They are saved
    /// with the persona, so sessions that update could not mark learned afterwards (the process stopped, the session store
    /// failed) are recognised by the next update and not learned again. Application edits keep them as they are.</summary>
    public IReadOnlyList<string> LastLearnedSessionIds { get; }

    /// <summary>Gets when the application last changed each field it changed, by sections → fields: an edit that cites no
    /// session is the application's (the user's own correction through <see cref="PersonalizedChatClient.EditPersonaAsync"/>,
    /// a field forgotten with <see cref="PersonalizedChatClient.ForgetFieldAsync"/>). A persona update does not overrule
    /// such a change with sessions that ended before it: what the user said then is what they corrected.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, DateTimeOffset>> CorrectedAt { get; }

    /// <summary>Gets a value indicating whether the persona holds no field.</summary>
    [JsonIgnore]
    public bool IsEmpty => Sections.Values.All(static s => s.Count == 0);

    /// <summary>Creates the empty, never saved persona of a user.</summary>
    /// <param name="userId">The user id.</param>
    /// <returns>A persona at version 0 with no fields.</returns>
    public static Persona CreateEmpty(string userId) => new(userId, 0, DateTimeOffset.MinValue, null);

    /// <summary>Gets a field's value.</summary>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <returns>The value, or <see langword="null"/> when the field is not set.</returns>
    public PersonaValue? GetValue(string section, string field)
        => Sections.TryGetValue(UnicodeText.ToStorable(section), out var fields) && fields.TryGetValue(UnicodeText.ToStorable(field), out var value) ? value : null;

    /// <summary>Gets when the application last changed a field (see <see cref="CorrectedAt"/>).</summary>
    /// <param name="section">The section name.</param>
    /// <param name="field">The field name.</param>
    /// <returns>The time, or <see langword="null"/> when the application never changed the field.</returns>
    public DateTimeOffset? GetCorrectedAt(string section, string field)
        => CorrectedAt.TryGetValue(UnicodeText.ToStorable(section), out var fields) && fields.TryGetValue(UnicodeText.ToStorable(field), out var at) ? at : null;

    /// <summary>Applies edits and describes the result as a change that can be saved.</summary>
    /// <remarks>
    /// No policy is checked here: the application may set any field, including locked ones. Edits proposed by the
    /// optimizer are validated before they reach this method. Edits that change nothing produce no revision. The edits'
    /// text is taken as stores keep it (see the remarks on <see cref="Persona"/>), so the revisions match the persona.
    /// </remarks>
    /// <param name="edits">The edits, applied in order.</param>
    /// <param name="now">The time of the change.</param>
    /// <returns>The change: the new persona (at <see cref="Version"/> + 1) and one revision per changed field.</returns>
    /// <exception cref="ArgumentException">An edit names no section or field, sets an empty value, or has an operation that
    /// is neither <see cref="PersonaEditOperation.Set"/> nor <see cref="PersonaEditOperation.Remove"/>.</exception>
    public PersonaChange ApplyEdits(IEnumerable<PersonaEdit> edits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var newVersion = Version + 1;
        var sections = Sections.ToDictionary(
            static s => s.Key,
            static s => new Dictionary<string, PersonaValue>(s.Value, StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
        var revisions = new List<PersonaRevision>();
        var corrected = CorrectedAt.ToDictionary(
            static s => s.Key,
            static s => new Dictionary<string, DateTimeOffset>(s.Value, StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
        void MarkIfCorrection(string section, string field, IReadOnlyList<string> sources)
        {
            if (sources.Count == 0)
            {
                if (!corrected.TryGetValue(section, out var fields))
                {
                    corrected[section] = fields = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
                }

                fields[field] = now;
            }
        }

        foreach (var edit in edits)
        {
            if (edit is null || string.IsNullOrWhiteSpace(edit.Section) || string.IsNullOrWhiteSpace(edit.Field))
            {
                throw new ArgumentException("Every edit needs a section and a field name.", nameof(edits));
            }

            // An operation cast from a number that names none (a value deserialized from an app's request, say).
            if (!Enum.IsDefined(edit.Operation))
            {
                throw new ArgumentException($"The edit of '{edit.Section}.{edit.Field}' has an unknown operation '{edit.Operation}'.", nameof(edits));
            }

            var section = UnicodeText.ToStorable(edit.Section);
            var field = UnicodeText.ToStorable(edit.Field);
            var reason = UnicodeText.ToStorable(edit.Reason);
            var sources = UnicodeText.ToStorableAll(edit.SourceSessionIds);
            if (!sections.TryGetValue(section, out var fields))
            {
                fields = new Dictionary<string, PersonaValue>(StringComparer.OrdinalIgnoreCase);
                sections[section] = fields;
            }

            fields.TryGetValue(field, out var old);
            if (edit.Operation == PersonaEditOperation.Remove)
            {
                if (old is null)
                {
                    continue;
                }

                fields.Remove(field);
                revisions.Add(new PersonaRevision(newVersion, section, field, old.Value, null, reason, sources, now));
                MarkIfCorrection(section, field, sources);
                continue;
            }

            if (string.IsNullOrWhiteSpace(edit.Value))
            {
                throw new ArgumentException($"The edit of '{section}.{field}' sets an empty value; use a Remove edit instead.", nameof(edits));
            }

            var value = UnicodeText.ToStorable(edit.Value);
            if (old is not null && string.Equals(old.Value, value, StringComparison.Ordinal))
            {
                continue;
            }

            fields[field] = new PersonaValue(value, now, sources, reason);
            revisions.Add(new PersonaRevision(newVersion, section, field, old?.Value, value, reason, sources, now));
            MarkIfCorrection(section, field, sources);
        }

        var updated = new Persona(
            UserId,
            newVersion,
            now,
            sections.ToDictionary(static s => s.Key, static s => (IReadOnlyDictionary<string, PersonaValue>)s.Value, StringComparer.OrdinalIgnoreCase),
            LastLearnedSessionIds,
            corrected.ToDictionary(static s => s.Key, static s => (IReadOnlyDictionary<string, DateTimeOffset>)s.Value, StringComparer.OrdinalIgnoreCase));
        return new PersonaChange(Version, updated, revisions);
    }

    /// <summary>The same persona, recording the sessions an update learned it from.</summary>
    internal Persona WithLastLearnedSessions(IReadOnlyList<string> sessionIds) => new(UserId, Version, UpdatedAt, Sections, sessionIds, CorrectedAt);

    private static Dictionary<string, IReadOnlyDictionary<string, PersonaValue>> Normalize(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, PersonaValue>>? sections)
        => Normalize(sections, EmptySection, nameof(sections), static value =>
        {
            ArgumentNullException.ThrowIfNull(value, nameof(sections));
            if (value.Value is null || value.SourceSessionIds?.Any(static id => id is null) == true)
            {
                throw new ArgumentException("A persona value needs its text, and its source session ids cannot hold a null.", nameof(sections));
            }

            var text = UnicodeText.ToStorable(value.Value);
            var reason = UnicodeText.ToStorable(value.Reason);
            var sources = UnicodeText.ToStorableAll(value.SourceSessionIds);
            return ReferenceEquals(text, value.Value) && ReferenceEquals(reason, value.Reason) && ReferenceEquals(sources, value.SourceSessionIds)
                ? value
                : value with { Value = text, Reason = reason, SourceSessionIds = sources };
        });

    // Sections → fields with case-insensitive, storable names and checked, storable values; empty sections left out.
    private static Dictionary<string, IReadOnlyDictionary<string, T>> Normalize<T>(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, T>>? sections,
        IReadOnlyDictionary<string, T> empty,
        string parameterName,
        Func<T, T> normalizeValue)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, T>>(StringComparer.OrdinalIgnoreCase);
        if (sections is null)
        {
            return result;
        }

        foreach (var (name, fields) in sections)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, parameterName);
            var copy = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
            foreach (var (field, value) in fields ?? empty)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(field, parameterName);
                copy[UnicodeText.ToStorable(field)] = normalizeValue(value);
            }

            if (copy.Count > 0)
            {
                result[UnicodeText.ToStorable(name)] = copy;
            }
        }

        return result;
    }
}
