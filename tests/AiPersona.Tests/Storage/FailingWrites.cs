using Moq;

namespace AiPersona.Tests.Storage;

/// <summary>Wraps a target's stores for <see cref="AiPersonaStorageCopyTests"/>: reads and writes go through to the real
/// stores, counted, and the write numbered <c>failAt</c> (from 0) throws an <see cref="IOException"/> instead of
/// happening, as a crash or a lost connection would stop a copy part-way.</summary>
public sealed class FailingWrites(int failAt)
{
    /// <summary>Gets how many writes went through.</summary>
    public int Writes { get; private set; }

    public IPersonaStore Wrap(IPersonaStore inner)
    {
        var mock = new Mock<IPersonaStore>(MockBehavior.Strict);
        mock.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string user, CancellationToken ct) => inner.GetAsync(user, ct));
        mock.Setup(s => s.SaveAsync(It.IsAny<PersonaChange>(), It.IsAny<CancellationToken>()))
            .Returns((PersonaChange change, CancellationToken ct) => Write(() => inner.SaveAsync(change, ct)));
        return mock.Object;
    }

    public ISessionStore Wrap(ISessionStore inner)
    {
        var mock = new Mock<ISessionStore>(MockBehavior.Strict);
        mock.Setup(s => s.GetSessionsAsync(It.IsAny<string>(), It.IsAny<SessionState?>(), It.IsAny<CancellationToken>()))
            .Returns((string user, SessionState? state, CancellationToken ct) => inner.GetSessionsAsync(user, state, ct));
        mock.Setup(s => s.CreateAsync(It.IsAny<ConversationSession>(), It.IsAny<CancellationToken>()))
            .Returns((ConversationSession session, CancellationToken ct) => Write(() => inner.CreateAsync(session, ct)));
        mock.Setup(s => s.CompleteAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Returns((string user, string id, DateTimeOffset at, CancellationToken ct) => Write(() => inner.CompleteAsync(user, id, at, ct)));
        mock.Setup(s => s.MarkLearnedAsync(It.IsAny<string>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Returns((string user, IReadOnlyCollection<string> ids, DateTimeOffset at, CancellationToken ct) => Write(() => inner.MarkLearnedAsync(user, ids, at, ct)));
        return mock.Object;
    }

    private async Task<T> Write<T>(Func<Task<T>> write)
    {
        if (Writes == failAt)
        {
            throw new IOException($"Simulated failure at write {failAt}.");
        }

        var result = await write();
        Writes++;
        return result;
    }

    private Task Write(Func<Task> write) => Write(async () =>
    {
        await write();
        return true;
    });
}
