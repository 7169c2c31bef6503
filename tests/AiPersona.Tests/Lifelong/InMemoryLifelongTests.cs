namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on the default in-memory stores (no restart: they keep nothing across one).</summary>
public sealed class InMemoryLifelongTests : LifelongTests
{
    protected override bool KeepsDataAcrossRestarts => false;

    [Theory]
    [InlineData(PersonaUpdateMode.Inline)]
    [InlineData(PersonaUpdateMode.Background)]
    public Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire(PersonaUpdateMode mode) => RunAsync(mode);

    protected override void UseStorage(IAiPersonaBuilder builder)
    {
    }
}
