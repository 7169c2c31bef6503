namespace AiPersona.Tests.Sessions;

/// <summary>Finding the new messages of a resent conversation, over many generated conversations (seeded, so every run
/// checks the same ones).</summary>
public sealed class SessionMessagesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// User and assistant take turns, with texts drawn from a tiny vocabulary so that messages repeat a lot. The client
    /// resends the whole conversation or a window of its last messages (always including the new one), and the
    /// conversation may carry messages of an earlier session in front, which the session manager compares against first.
    /// Taking turns makes every alignment unambiguous, so the stored session must equal what was said in it.
    /// </summary>
    [Theory]
    [InlineData(null, 0)]
    [InlineData(null, 6)]
    [InlineData(2, 0)]
    [InlineData(3, 6)]
    [InlineData(4, 6)]
    [InlineData(6, 6)]
    public void TurnTakingConversations_AreStoredExactly_WhateverTheClientResends(int? window, int maxEarlierMessages)
    {
        var random = new Random(7);
        for (var conversation = 0; conversation < 3_000; conversation++)
        {
            var vocabulary = 2 + random.Next(3);
            var said = new List<SessionMessage>();
            var earlier = random.Next(maxEarlierMessages + 1) / 2 * 2; // whole exchanges
            for (var i = 0; i < earlier; i++)
            {
                said.Add(Message(i % 2 == 0 ? "user" : "assistant", random.Next(vocabulary)));
            }

            var stored = new List<SessionMessage>();
            for (var turn = 0; turn < 8; turn++)
            {
                said.Add(Message("user", random.Next(vocabulary)));
                var request = window is { } size ? said.Skip(Math.Max(0, said.Count - size)).ToList() : [.. said];
                stored.AddRange(SessionMessages.Unseen(stored.Count == 0 ? said.Take(earlier).ToList() : stored, request));
                var reply = Message("assistant", random.Next(vocabulary));
                said.Add(reply);
                stored.Add(reply);

                Assert.True(
                    stored.Select(Key).SequenceEqual(said.Skip(earlier).Select(Key)),
                    $"conversation {conversation}, turn {turn}: said [{string.Join(", ", said.Select(Key))}], stored [{string.Join(", ", stored.Select(Key))}]");
            }
        }
    }

    [Fact]
    public void ARequestThatBringsNothingNew_AddsNothing()
    {
        List<SessionMessage> stored = [Message("user", 1), Message("assistant", 2), Message("user", 1)];

        Assert.Empty(SessionMessages.Unseen(stored, [Message("assistant", 2), Message("user", 1)]));
        Assert.Empty(SessionMessages.Unseen(stored, [Message("user", 1)]));
    }

    private static SessionMessage Message(string role, int word) => new(role, $"{role[0]}{word}", At);

    private static string Key(SessionMessage message) => message.Text;
}
