namespace AiPersona.Tests.Api;

/// <summary>The core package's README (what the package page shows) is the repository's README: one is not edited
/// without the other.</summary>
public sealed class PackageReadmeTests
{
    [Fact]
    public void ThePackageReadme_IsTheRepositorysReadme()
        => Assert.Equal(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "README.md")).ReplaceLineEndings("\n"),
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "package-README.md")).ReplaceLineEndings("\n"));
}
