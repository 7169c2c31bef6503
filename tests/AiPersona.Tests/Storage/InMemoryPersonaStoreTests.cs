namespace AiPersona.Tests.Storage;

public sealed class InMemoryPersonaStoreTests : PersonaStoreConformanceTests
{
    protected override IPersonaStore Store { get; } = new InMemoryPersonaStore();
}
