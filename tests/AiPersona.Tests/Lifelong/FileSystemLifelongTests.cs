using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Lifelong;

/// <summary>The life-long scenario on the file-system stores, restarted half-way.</summary>
public sealed class FileSystemLifelongTests : LifelongTests, IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public Task TwentyWeeksOfSessions_AreLearnedOnceEach_AndTheirTranscriptsExpire() => RunAsync();

    public void Dispose() => _root.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseFileSystemStorage(_root.Path);
}
