using System.Runtime.CompilerServices;

namespace AiPersona;

/// <summary>Lists a database store's users a page at a time, in user key order (keyset paging), so that no connection
/// stays open while the caller works through the ids and no page is read twice however large the table.</summary>
internal static class UserIdPages
{
    /// <summary>The rows read per query.</summary>
    public const int PageSize = 500;

    /// <summary>Yields the user ids of every page.</summary>
    /// <param name="readPage">Reads up to <see cref="PageSize"/> (user key, user id) rows with a key greater than the one
    /// given (the empty string before the first page), in key order.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The user ids.</returns>
    public static async IAsyncEnumerable<string> ReadAsync(
        Func<string, CancellationToken, Task<List<(string Key, string UserId)>>> readPage,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            var page = await readPage(after, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                yield return row.UserId;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Key;
        }
    }
}
