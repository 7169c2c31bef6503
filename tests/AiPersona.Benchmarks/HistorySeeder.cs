namespace AiPersona.Benchmarks;

/// <summary>Gives benchmark users a long history: past sessions, learned three at a time as the default update
/// cadence would, written straight to the session store.</summary>
internal static class HistorySeeder
{
    /// <summary>When the seeded history starts; each past session starts twelve hours after the one before.</summary>
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private const int MessagesPerSession = 6;
    private const int SessionsPerUpdate = 3;

    /// <summary>Stores <paramref name="count"/> learned past sessions for a user.</summary>
    /// <param name="sessions">The session store.</param>
    /// <param name="userId">The user.</param>
    /// <param name="count">How many sessions.</param>
    /// <returns>A task that completes when the sessions are stored.</returns>
    public static async Task SeedLearnedSessionsAsync(ISessionStore sessions, string userId, int count)
    {
        var batch = new List<string>(SessionsPerUpdate);
        for (var s = 0; s < count; s++)
        {
            var startedAt = Start.AddHours(s * 12);
            var id = Guid.CreateVersion7(startedAt).ToString("N");
            var messages = Enumerable.Range(0, MessagesPerSession)
                .Select(m => new SessionMessage(m % 2 == 0 ? "user" : "assistant", $"Past session {s}, message {m}: where should I eat near the old town tonight?", startedAt.AddMinutes(m)))
                .ToList();
            var endedAt = startedAt.AddMinutes(MessagesPerSession);
            await sessions.CreateAsync(new ConversationSession(id, userId, $"past-{s}", SessionState.Open, startedAt, endedAt, null, null, messages));
            await sessions.CompleteAsync(userId, id, endedAt);
            batch.Add(id);
            if (batch.Count == SessionsPerUpdate || s == count - 1)
            {
                await sessions.MarkLearnedAsync(userId, batch, endedAt.AddMinutes(1));
                batch.Clear();
            }
        }
    }
}
