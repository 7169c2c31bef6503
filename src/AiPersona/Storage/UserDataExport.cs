using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace AiPersona;

/// <summary>Everything AiPersona stores about one user, as <see cref="PersonalizedChatClient.ExportUserAsync"/> read it:
/// for a user who asks for their data (a "download my data" page; the rights of access and to data portability).</summary>
/// <param name="UserId">The user.</param>
/// <param name="ExportedAt">When the data was read.</param>
/// <param name="Persona">The persona, each value with when it was set, why and from which sessions; version 0 and empty
/// when none was saved.</param>
/// <param name="History">Every recorded change of the persona up to its version, oldest first, with the old and the new
/// value.</param>
/// <param name="Sessions">The stored conversation sessions with their messages, oldest first: open, pending and learned
/// ones (learned transcripts until <see cref="AiPersonaOptions.LearnedSessionRetention"/> deletes them).</param>
public sealed record UserDataExport(
    string UserId,
    DateTimeOffset ExportedAt,
    Persona Persona,
    IReadOnlyList<PersonaRevision> History,
    IReadOnlyList<ConversationSession> Sessions)
{
    // Indented, and letters of every script written as they are, so a person can read the file; characters that matter to
    // HTML are still escaped, as the document may be shown in a page. The metadata is the source-generated one.
    private static readonly JsonTypeInfo<UserDataExport> DocumentTypeInfo = CreateDocumentTypeInfo();

    /// <summary>Writes the export as an indented UTF-8 JSON document (camelCase names, enum values as strings, times in
    /// ISO 8601). Only asynchronous writes reach the stream, so it may be a web response's body.</summary>
    /// <param name="utf8Json">The stream to write to; it is flushed, not closed.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the document is written.</returns>
    public Task WriteJsonAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        return JsonSerializer.SerializeAsync(utf8Json, this, DocumentTypeInfo, cancellationToken);
    }

    private static JsonTypeInfo<UserDataExport> CreateDocumentTypeInfo()
    {
        var options = new JsonSerializerOptions(AiPersonaJsonContext.Default.Options)
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        };
        return (JsonTypeInfo<UserDataExport>)options.GetTypeInfo(typeof(UserDataExport));
    }
}
