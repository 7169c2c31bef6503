using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

/// <summary>
/// The offline PersonaBench run (the sample with no provider) is a pipeline check: its scripted models echo whatever
/// personal context reaches the assistant, so each setting's figures show whether that setting is wired as intended. This
/// runs it on the whole mini benchmark, as the sample does, and checks both what the figures must show and that
/// docs/evaluation.md prints the table the run gives.
/// </summary>
public sealed class OfflineSimulationTests : IDisposable
{
    private readonly TempDirectory _output = new();

    [Fact]
    public async Task TheFullOfflineRun_ShowsEachSettingCarryingWhatItShould_AndGivesTheTableInTheDocs()
    {
        var report = await new PersonaBenchRunner(PersonaBenchModels.CreateScripted(), new PersonaBenchOptions { OutputDirectory = _output.Path, MaxParallelism = 4 })
            .RunAsync(BenchmarkDataset.LoadMini(), BenchmarkSetting.All);

        var row = report.Rows.ToDictionary(r => r.Setting);
        var none = row[BenchmarkSetting.NoPersona];
        var golden = row[BenchmarkSetting.GoldenPersona];
        var rag = row[BenchmarkSetting.ConversationRag];
        SettingSummary[] learning = [row[BenchmarkSetting.Learning(1)], row[BenchmarkSetting.Learning(3)], row[BenchmarkSetting.Learning(5)]];
        Assert.All(report.Rows, r => Assert.Equal(200, r.Sessions));
        Assert.All(report.Rows, r => Assert.Equal((0, 0), (r.JudgeFailures, r.OptimizerFailures)));

        // The golden persona reaches every first request; nothing about the user reaches No Persona's; retrieved sessions
        // and learned personas carry something from earlier scenes, so users are satisfied sooner than with nothing.
        Assert.True(golden.Personalization > learning.Max(r => r.Personalization), $"golden {golden.Personalization}");
        Assert.All([rag, .. learning], r => Assert.True(r.Personalization > none.Personalization + 1, $"{r.Setting.Name}: {r.Personalization} against {none.Personalization}"));
        Assert.All([golden, rag, .. learning], r => Assert.True(r.Utterances < none.Utterances, $"{r.Setting.Name}: {r.Utterances} utterances"));

        // Learning more often carries more into the next scenes (k=1 learns after every scene, k=5 after every fifth).
        Assert.True(learning[0].Personalization > learning[1].Personalization && learning[1].Personalization > learning[2].Personalization);

        // Only persona learning has a learned persona to compare with the golden one.
        Assert.All([none, golden, rag], r => Assert.Null(r.Similarity));
        Assert.All(learning, r => Assert.True(r.Similarity > 0 && r.Consistency > 0 && r.Detail > 0, r.Setting.Name));
        Assert.Equal(60, report.Personas.Count); // 20 personas × k = 1, 3, 5

        // docs/evaluation.md shows this table as what the offline run prints: a change to the pipeline that moves a figure
        // must update the docs too.
        var docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "evaluation.md"));
        var lines = ReportWriter.ToTable(report).Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(8, lines.Count); // header, rule, six rows
        Assert.All(lines, l => Assert.Contains(l, docs, StringComparison.Ordinal));
    }

    public void Dispose() => _output.Dispose();
}
