namespace AiPersona.Tests.Storage.PostgreSql;

/// <summary>docs/storage.md shows the DDL for apps that run it themselves: it must be the script the package runs, so a
/// change to the schema that the docs miss fails here (needs no server).</summary>
public sealed class PostgreSqlDocumentedScriptTests
{
    [Fact]
    public void TheDdlInTheStorageDocs_IsTheScriptThePackageRuns()
    {
        var docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "storage.md")).ReplaceLineEndings("\n");
        var start = docs.IndexOf("```sql\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/storage.md has no ```sql block.");
        start += "```sql\n".Length;
        var end = docs.IndexOf("```", start, StringComparison.Ordinal);
        var documented = docs[start..end];

        Assert.Equal(Normalize(PostgreSqlAiPersonaSchema.GetScript("aipersona")), Normalize(documented));
    }

    // Lines trimmed and blank lines dropped: the docs may indent and space the script for reading.
    private static string Normalize(string script)
        => string.Join("\n", script.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
