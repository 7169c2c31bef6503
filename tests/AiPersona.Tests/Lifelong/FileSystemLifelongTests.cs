using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on the file-system stores, restarted half-way.</summary>
public sealed class FileSystemLifelongTests : LifelongTests, IDisposable
{
    private readonly TempDirectory _root = new();

    [Theory]
    [InlineData(PersonaUpdateMode.Inline)]
    [InlineData(PersonaUpdateMode.Background)]
    public Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire(PersonaUpdateMode mode) => RunAsync(mode);

    public void Dispose() => _root.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseFileSystemStorage(_root.Path);
}
