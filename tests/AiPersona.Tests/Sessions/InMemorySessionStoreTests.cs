namespace AiPersona.Tests.Sessions;

public sealed class InMemorySessionStoreTests : SessionStoreConformanceTests
{
    protected override ISessionStore Store { get; } = new InMemorySessionStore();
}
