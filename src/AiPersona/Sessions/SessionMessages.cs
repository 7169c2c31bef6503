using System.Text;
using Microsoft.Extensions.AI;

namespace AiPersona;

/// <summary>Turns chat messages into stored session messages and finds which messages of a resent conversation are new.</summary>
internal static class SessionMessages
{
    private const int MaxToolTextLength = 1000;

    /// <summary>Converts the messages worth keeping (system messages are the app's, not the user's, and are skipped).</summary>
    public static List<SessionMessage> Convert(IEnumerable<ChatMessage> messages, DateTimeOffset at)
    {
        var result = new List<SessionMessage>();
        foreach (var message in messages)
        {
            if (message is null || message.Role == ChatRole.System)
            {
                continue;
            }

            // Half of a surrogate pair (an emoji a client cut in two) and U+0000 become U+FFFD, as storage would make or
            // refuse them: a resent message then still equals the stored one.
            var text = UnicodeText.ToStorable(TextOf(message));
            if (message.Role == ChatRole.Assistant)
            {
                // What the user was shown: the optimizer must not read a reasoning model's guesses about the user as what
                // the user said, and an app that resends a reply with or without its thinking resends one stored message.
                text = ReasoningText.WithoutLeading(text);
            }

            if (text.Length > 0)
            {
                result.Add(new SessionMessage(message.Role.Value, text, at));
            }
        }

        return result;
    }

    /// <summary>
    /// Returns the part of <paramref name="incoming"/> that is not already at the end of <paramref name="stored"/>.
    /// Clients resend the whole conversation (or a sliding window of it) on every call: the longest prefix of the request
    /// that lines up with the tail of the stored session, and still leaves a message after it, is dropped; a request that
    /// lines up as a whole brings nothing new. (Trying the whole request first would swallow a user repeating their last
    /// message after a reply that was empty, so not stored.) A request that does not line up may follow an earlier version
    /// of the session, after a regenerated reply or an edited message (see <see cref="FollowedAfterAReplacement"/>).
    /// Checked over generated conversations in SessionMessagesTests.
    /// </summary>
    /// <param name="stored">The messages of the session the request continues.</param>
    /// <param name="incoming">The request's messages.</param>
    /// <param name="mayAskForAnotherReply">Whether a request that has only its last message in common with the session, the
    /// session's last user message, asks for another reply to it. The caller says so for the session still open when the
    /// client resends its history: asking for another reply to the first message of a conversation sends that message
    /// alone (or after an earlier session's messages), and nothing else tells it from new words.</param>
    public static List<SessionMessage> Unseen(IReadOnlyList<SessionMessage> stored, List<SessionMessage> incoming, bool mayAskForAnotherReply = false)
    {
        if (stored.Count == 0 || incoming.Count == 0)
        {
            return incoming;
        }

        // A request normally brings something new: an alignment that leaves new messages wins over one that leaves none,
        // which is tried last (a request resent as it was).
        for (var end = incoming.Count - 1; end > 0; end--)
        {
            if (LinesUp(stored, incoming, end))
            {
                return incoming.GetRange(end, incoming.Count - end);
            }
        }

        if (LinesUp(stored, incoming, incoming.Count))
        {
            return [];
        }

        var followedUntil = FollowedAfterAReplacement(stored, incoming);
        if (followedUntil >= 0)
        {
            return incoming.GetRange(followedUntil, incoming.Count - followedUntil);
        }

        return mayAskForAnotherReply && IsAnotherReply(stored, incoming) ? [] : incoming;
    }

    // A regenerated reply or an edited message: the client resends the conversation as it shows it now, while the stored
    // session also holds the replies and messages that were replaced, so the request no longer ends the way the session
    // does. The part of the request that follows the session's messages in order, skipping replaced ones, for two or more
    // messages, was said before; what comes after it is new (an edited message, the user's next message; nothing, for a
    // regenerated reply). Messages in front of that part belong to earlier sessions. A request that starts with the
    // session's first message and follows the session nowhere else was said before up to there, even for one message: the
    // app's greeting shown above the first question, which the user edited. Returns where the new part starts, or -1 when
    // the request follows the session nowhere (a request of one message never does): it is then new as a whole, unless it
    // asks for another reply to its only message in common with the session.
    private static int FollowedAfterAReplacement(IReadOnlyList<SessionMessage> stored, List<SessionMessage> incoming)
    {
        var followedUntil = -1;
        for (var start = 0; start < incoming.Count - 1; start++)
        {
            var next = start;
            for (var at = 0; next < incoming.Count && at < stored.Count; at++)
            {
                if (SameMessage(stored[at], incoming[next]))
                {
                    next++;
                }
            }

            if (next - start >= 2)
            {
                followedUntil = Math.Max(followedUntil, next);
                if (followedUntil == incoming.Count)
                {
                    break; // the whole request was said before (a regenerated reply): no start can do better
                }
            }
        }

        if (followedUntil < 0 && incoming.Count > 1 && SameMessage(stored[0], incoming[0]))
        {
            return 1;
        }

        return followedUntil;
    }

    // The request ends with the session's last user message and follows the session nowhere else: the replies after that
    // message were replaced. It is the first message of the conversation shown (the session's first, or one the user put
    // in its place by editing it), perhaps after an earlier session's messages.
    private static bool IsAnotherReply(IReadOnlyList<SessionMessage> stored, List<SessionMessage> incoming)
    {
        for (var i = stored.Count - 1; i >= 0; i--)
        {
            if (string.Equals(stored[i].Role, ChatRole.User.Value, StringComparison.OrdinalIgnoreCase))
            {
                return SameMessage(stored[i], incoming[^1]);
            }
        }

        return false;
    }

    // Whether incoming[..end] ends with the stored session's last messages (all of them, or as many as incoming[..end] holds).
    private static bool LinesUp(IReadOnlyList<SessionMessage> stored, List<SessionMessage> incoming, int end)
    {
        var overlap = Math.Min(end, stored.Count);
        for (var i = 0; i < overlap; i++)
        {
            if (!SameMessage(incoming[end - overlap + i], stored[stored.Count - overlap + i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameMessage(SessionMessage a, SessionMessage b)
        => string.Equals(a.Role, b.Role, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Text, b.Text, StringComparison.Ordinal);

    private static string TextOf(ChatMessage message)
    {
        var builder = new StringBuilder();
        foreach (var content in message.Contents)
        {
            var part = content switch
            {
                TextContent text => text.Text,
                FunctionCallContent call => $"[call {call.Name}({FormatArguments(call.Arguments)})]",
                FunctionResultContent result => $"[result {Clip(result.Result?.ToString())}]",
                _ => null,
            };

            if (!string.IsNullOrWhiteSpace(part))
            {
                if (builder.Length > 0)
                {
                    builder.Append('\n');
                }

                builder.Append(part.Trim());
            }
        }

        return builder.ToString();
    }

    private static string FormatArguments(IDictionary<string, object?>? arguments)
        => arguments is null ? string.Empty : Clip(string.Join(", ", arguments.Select(static a => $"{a.Key}={a.Value}")));

    private static string Clip(string? text)
        => text is null ? string.Empty : text.Length <= MaxToolTextLength ? text : UnicodeText.Truncate(text, MaxToolTextLength) + "…";
}
