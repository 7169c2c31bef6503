using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AiPersona.Evaluation;

/// <summary>Appends every finished record to JSON-lines files as soon as it exists, so an interrupted run resumes where
/// it stopped: <c>sessions.jsonl</c> and <c>personas.jsonl</c> hold the judged records, <c>conversations.jsonl</c> each
/// scene's conversation once it is over, before its session ends and the judge scores it. A line torn by a crash is
/// ignored when reading.</summary>
internal sealed class ResultsStore
{
    private readonly string? _directory;
    private readonly Lock _lock = new();
    private readonly List<SessionRecord> _sessions = [];
    private readonly List<PersonaRecord> _personas = [];
    private readonly List<SessionRecord> _conversations = [];

    private ResultsStore(string? directory) => _directory = directory;

    public IReadOnlyList<SessionRecord> Sessions
    {
        get
        {
            lock (_lock)
            {
                return [.. _sessions];
            }
        }
    }

    public IReadOnlyList<PersonaRecord> Personas
    {
        get
        {
            lock (_lock)
            {
                return [.. _personas];
            }
        }
    }

    public static async Task<ResultsStore> OpenAsync(string? directory, CancellationToken cancellationToken)
    {
        var store = new ResultsStore(directory);
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            store._sessions.AddRange(await ReadAsync(Path.Combine(directory, ResultsFiles.Sessions), EvaluationJsonContext.Default.SessionRecord, cancellationToken).ConfigureAwait(false));
            store._personas.AddRange(await ReadAsync(Path.Combine(directory, ResultsFiles.Personas), EvaluationJsonContext.Default.PersonaRecord, cancellationToken).ConfigureAwait(false));
            store._conversations.AddRange(await ReadAsync(Path.Combine(directory, ResultsFiles.Conversations), EvaluationJsonContext.Default.SessionRecord, cancellationToken).ConfigureAwait(false));
        }

        return store;
    }

    /// <summary>Records what the results in the directory are produced with, or checks that a resumed run matches it.</summary>
    /// <exception cref="PersonaBenchOutputConflictException">The directory holds results of another configuration, or a
    /// <c>run.json</c> that cannot be read.</exception>
    public async Task CheckOrWriteManifestAsync(RunManifest manifest, CancellationToken cancellationToken)
    {
        if (_directory is null)
        {
            return;
        }

        var path = Path.Combine(_directory, ResultsFiles.Manifest);
        if (File.Exists(path))
        {
            RunManifest? earlier;
            try
            {
                await using var stream = File.OpenRead(path);
                earlier = await JsonSerializer.DeserializeAsync(stream, EvaluationJsonContext.Default.RunManifest, cancellationToken).ConfigureAwait(false)
                    ?? throw new JsonException("run.json holds null.");
            }
            catch (JsonException ex)
            {
                throw new PersonaBenchOutputConflictException(
                    $"The output directory '{_directory}' has a run.json, which says what produced its results, that cannot be read " +
                    $"({ex.Message}), so this run cannot tell whether resuming would mix two configurations. " +
                    "Choose another output directory, or delete that one (the sample's --fresh) to start over.",
                    ex);
            }

            if (!earlier.Admits(manifest))
            {
                throw new PersonaBenchOutputConflictException(
                    $"The output directory '{_directory}' holds results of another run ({Describe(earlier)}), which this one " +
                    $"({Describe(manifest)}) would mix with its own. " +
                    "Choose another output directory, or delete that one (the sample's --fresh) to start over.");
            }

            return;
        }

        if (_sessions.Count > 0 || _personas.Count > 0)
        {
            return; // results from before run.json existed: nothing to compare them with
        }

        // Atomic: a run stopped while writing it must not leave a torn run.json, which would refuse every later run.
        await AtomicFile.WriteAsync(
            path,
            (stream, token) => JsonSerializer.SerializeAsync(stream, manifest, EvaluationJsonContext.Default.RunManifest, token),
            cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(RunManifest manifest)
        => $"{manifest.Models}; dataset {manifest.Dataset}" + (manifest.DatasetContent is { } content ? $" ({content})" : string.Empty) +
            $", {manifest.MaxUserTurns} user turns, {manifest.RagSessions} RAG sessions, temperature " +
            (manifest.Temperature?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none") +
            (manifest.Prompts is { } prompts ? $", prompts {prompts}" : string.Empty);

    public bool HasSession(BenchmarkSetting setting, string personaId, string sceneId)
    {
        lock (_lock)
        {
            return _sessions.Exists(s => s.Setting == setting.Key && s.PersonaId == personaId && s.SceneId == sceneId);
        }
    }

    public bool HasPersona(BenchmarkSetting setting, string personaId)
    {
        lock (_lock)
        {
            return _personas.Exists(p => p.Setting == setting.Key && p.PersonaId == personaId);
        }
    }

    /// <summary>Finds the finished conversation of a scene that an interrupted run did not judge.</summary>
    public SessionRecord? FindConversation(BenchmarkSetting setting, string personaId, string sceneId)
    {
        lock (_lock)
        {
            return _conversations.FindLast(s => s.Setting == setting.Key && s.PersonaId == personaId && s.SceneId == sceneId);
        }
    }

    public void AddConversation(SessionRecord record) => Append(record, _conversations, ResultsFiles.Conversations, EvaluationJsonContext.Default.SessionRecord);

    public void Add(SessionRecord record) => Append(record, _sessions, ResultsFiles.Sessions, EvaluationJsonContext.Default.SessionRecord);

    public void Add(PersonaRecord record) => Append(record, _personas, ResultsFiles.Personas, EvaluationJsonContext.Default.PersonaRecord);

    private void Append<T>(T record, List<T> list, string file, JsonTypeInfo<T> typeInfo)
    {
        lock (_lock)
        {
            if (_directory is not null)
            {
                using var stream = new FileStream(Path.Combine(_directory, file), FileMode.Append, FileAccess.Write, FileShare.Read);
                JsonSerializer.Serialize(stream, record, typeInfo);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }

            list.Add(record);
        }
    }

    private static async Task<List<T>> ReadAsync<T>(string path, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var records = new List<T>();
        if (!File.Exists(path))
        {
            return records;
        }

        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize(line, typeInfo) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException)
            {
                // A line torn by an interruption: that record is redone.
            }
        }

        return records;
    }
}
