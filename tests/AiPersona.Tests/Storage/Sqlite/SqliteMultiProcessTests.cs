using AiPersona.Tests.Shared;
using Microsoft.Extensions.Options;

namespace AiPersona.Tests.Storage.Sqlite;

/// <summary>Several processes on one SQLite file: the offline sample app (SQLite storage, inline persona updates) runs as
/// separate processes, four at a time, each playing the next three scripted sessions of its user on a fresh shared file.
/// Every session and every update must land exactly once.</summary>
public sealed class SqliteMultiProcessTests : IDisposable
{
    private const int Users = 4;
    private const int RunsPerUser = 3;
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task FourSampleProcessesAtOnce_OnOneFile_LoseNothingAndLearnEachChapterOnce()
    {
        // Each user's runs are sequential (a run continues where the previous one stopped); the users run in parallel.
        await Task.WhenAll(Enumerable.Range(0, Users).Select(async u =>
        {
            for (var run = 1; run <= RunsPerUser; run++)
            {
                await RunSampleAsync($"user-{u}");
            }
        }));

        var options = Options.Create(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_directory.Path, "aipersona.db")}" });
        var personas = new SqlitePersonaStore(options);
        var sessions = new SqliteSessionStore(options);
        for (var u = 0; u < Users; u++)
        {
            var user = $"user-{u}";
            var all = await sessions.GetSessionsAsync(user);
            Assert.Equal(9, all.Count);
            Assert.All(all, s => Assert.Equal(SessionState.Learned, s.State));
            Assert.Equal(9, all.Select(s => s.ConversationId).Distinct().Count());
            Assert.All(all, s => Assert.NotEmpty(s.Messages));
            var persona = await personas.GetAsync(user);
            var history = await personas.GetHistoryAsync(user);
            Assert.Equal(RunsPerUser, history.Select(r => r.Version).Distinct().Count());
            Assert.Equal(persona.Version, history.Max(r => r.Version));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose() => _directory.Dispose();

    private async Task RunSampleAsync(string user)
    {
        // Offline: no provider configured.
        var (exitCode, output) = await SampleProcess.RunAsync(
            ["--data", _directory.Path, "--user", user],
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = null, ["OLLAMA_ENDPOINT"] = null },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, $"The sample exited with {exitCode}:\n{output}");
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }
}
