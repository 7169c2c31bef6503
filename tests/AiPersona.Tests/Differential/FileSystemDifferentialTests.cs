using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Differential;

/// <summary>The file-system stores against the in-memory ones.</summary>
public sealed class FileSystemDifferentialTests : BackendDifferentialTests, IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    protected override void UseStorage(IAiPersonaBuilder builder) => builder.UseFileSystemStorage(_root.Path);
}
