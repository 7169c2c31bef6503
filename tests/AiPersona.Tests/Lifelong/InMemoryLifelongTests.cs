namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on the default in-memory stores (no restart: they keep nothing across one).</summary>
public sealed class InMemoryLifelongTests : LifelongTests
{
    protected override bool KeepsDataAcrossRestarts => false;

    [Fact]
    public Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire() => RunAsync();

    protected override void UseStorage(IAiPersonaBuilder builder)
    {
    }
}
