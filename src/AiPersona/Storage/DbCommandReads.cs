using System.Data.Common;
using System.Text.Json;

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

    /// <summary>Maps a row of a revision's id and JSON document.</summary>
    public static (long Id, PersonaRevision Revision) RevisionWithId(DbDataReader reader)
        => (reader.GetInt64(0), JsonSerializer.Deserialize(reader.GetString(1), AiPersonaJsonContext.Default.PersonaRevision)!);

    /// <summary>Maps a row whose first column is a revision's JSON document.</summary>
    public static PersonaRevision Revision(DbDataReader reader)
        => JsonSerializer.Deserialize(reader.GetString(0), AiPersonaJsonContext.Default.PersonaRevision)!;
}
