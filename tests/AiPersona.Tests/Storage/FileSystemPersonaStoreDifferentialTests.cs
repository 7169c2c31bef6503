using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Storage;

/// <summary>The file-system persona store against the in-memory one, over random sequences of changes.</summary>
public sealed class FileSystemPersonaStoreDifferentialTests : PersonaStoreDifferentialTests, IDisposable
{
    private readonly TempDirectory _root = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task ARandomSequence_GivesWhatTheInMemoryBackendGives(int seed) => RunAsync(seed);

    public void Dispose() => _root.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseFileSystemStorage(_root.Path);
}
