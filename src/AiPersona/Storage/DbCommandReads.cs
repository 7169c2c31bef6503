using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AiPersona;

/// <summary>Reading rows for the database stores (AiPersona.Sqlite, AiPersona.PostgreSql), whatever the driver.</summary>
internal static class DbCommandReads
{
    /// <summary>Runs the query and maps every row, in order; the command and its reader are disposed.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
    }

    /// <summary>Groups message rows, read in session and position order, by session id.</summary>
    public static Dictionary<string, List<SessionMessage>> BySession(this IEnumerable<(string SessionId, SessionMessage Message)> rows)
        => rows.GroupBy(static r => r.SessionId, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Select(static r => r.Message).ToList(), StringComparer.Ordinal);

    /// <summary>Maps rows of a revision's id and JSON document, of the user given.</summary>
    public static Func<DbDataReader, (long Id, PersonaRevision Revision)> RevisionWithId(string userId)
        => reader => (reader.GetInt64(0), Document(reader.GetString(1), AiPersonaJsonContext.Default.PersonaRevision, userId));

    /// <summary>Maps rows whose first column is a revision's JSON document, of the user given.</summary>
    public static Func<DbDataReader, PersonaRevision> Revision(string userId)
        => reader => Document(reader.GetString(0), AiPersonaJsonContext.Default.PersonaRevision, userId);

    /// <summary>Reads a user's stored JSON document (a persona, a revision). One that is not valid JSON, is the JSON literal
    /// null, or holds a null or a value its type refuses (only a hand edit of the database leaves any of these), fails with
    /// <see cref="InvalidDataException"/> naming the user by the hash the logs use, as the file-system store's damaged files
    /// do; the row is left as it is.</summary>
    public static T Document<T>(string json, JsonTypeInfo<T> typeInfo, string userId)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo)
                ?? throw new InvalidDataException($"A stored {typeof(T).Name} of user {UserIdHash.Of(userId)} holds no data (JSON null) and was left as it is.");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // ArgumentException: JSON of the right shape holding what the type cannot (a null value, a blank name).
            throw new InvalidDataException($"A stored {typeof(T).Name} of user {UserIdHash.Of(userId)} is damaged and was left as it is: {ex.Message}", ex);
        }
    }
}
