using System.Text;
using AiPersona.Evaluation;

namespace AiPersona.Tests.Evaluation;

public sealed class ReportWriterTests
{
    [Fact]
    public void Csv_LeavesMissingScoresEmpty_AndKeepsEveryRecordOnOneParsableLine()
    {
        var learning = BenchmarkSetting.Learning(3);
        SessionRecord[] sessions =
        [
            new()
            {
                Setting = learning.Key, PersonaId = "p1", SceneId = "s1", SceneType = "dining",
                NeutralizedQuery = "Dinner, for \"two\"?\r\nNear me", Turns = [new TurnRecord("q", "Try the \"Porto\" grill,\nor tapas", true)],
                Satisfied = true, Utterances = 1, Helpfulness = 7, Personalization = 4.5, InputTokens = 120, OutputTokens = 30,
            },
            new()
            {
                Setting = learning.Key, PersonaId = "p1", SceneId = "s2", SceneType = "travel", NeutralizedQuery = "Trains?",
                Turns = [new TurnRecord("Trains?", "Yes", false)], Utterances = 3, JudgeError = "no score", OptimizerFailures = 2, InputTokens = 80, OutputTokens = 10,
            },
        ];
        PersonaRecord[] personas = [new() { Setting = learning.Key, PersonaId = "p1", Consistency = 6, Detail = 3 }];
        var report = PersonaBenchReport.From([BenchmarkSetting.NoPersona, learning], sessions, personas);

        var summary = Lines(ReportWriter.SummaryCsv(report));
        Assert.Equal(3, summary.Count);
        Assert.Equal(["No Persona", "", "", "", "", "", "", "0", "0", "0"], summary[1]);
        Assert.Equal(["Persona Learning (k=3)", "7", "4.5", "6", "3", "4.5", "2", "2", "1", "2"], summary[2]);

        var rows = Lines(ReportWriter.SessionsCsv(report));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(rows[0].Count, r.Count));
        var header = rows[0];
        Assert.Equal("Dinner, for \"two\"? Near me", rows[1][header.IndexOf("neutralized_query")]);
        Assert.Equal("Try the \"Porto\" grill, or tapas", rows[1][header.IndexOf("first_response")]);
        Assert.Equal(("7", "4.5", "120"), (rows[1][header.IndexOf("helpfulness")], rows[1][header.IndexOf("personalization")], rows[1][header.IndexOf("input_tokens")]));
        Assert.Equal(("", "", "no score", "3"), (rows[2][header.IndexOf("helpfulness")], rows[2][header.IndexOf("personalization")], rows[2][header.IndexOf("judge_error")], rows[2][header.IndexOf("utterances")]));
        Assert.Equal(("0", "2"), (rows[1][header.IndexOf("optimizer_failures")], rows[2][header.IndexOf("optimizer_failures")]));
        Assert.Equal(("true", "false"), (rows[1][header.IndexOf("satisfied")], rows[2][header.IndexOf("satisfied")]));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x.example\",\"open\")")]
    [InlineData("+1 555 0100, then press 2")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1:A9)")]
    [InlineData("\t=1+1")]
    public void Csv_TextThatASpreadsheetWouldEvaluate_StartsWithAQuoteMark(string response)
    {
        SessionRecord[] sessions =
        [
            new() { Setting = BenchmarkSetting.NoPersona.Key, PersonaId = "p1", SceneId = "s1", SceneType = "dining", NeutralizedQuery = response, Turns = [new TurnRecord(response, response, true)], Utterances = 1 },
            new() { Setting = BenchmarkSetting.NoPersona.Key, PersonaId = "p1", SceneId = "s2", SceneType = "dining", NeutralizedQuery = "Dinner at 7 = fine?", Turns = [new TurnRecord("q", "Yes - at 7", true)], Utterances = 1 },
        ];

        var rows = Lines(ReportWriter.SessionsCsv(PersonaBenchReport.From([BenchmarkSetting.NoPersona], sessions, [])));

        Assert.Equal("'" + response, rows[1][rows[0].IndexOf("neutralized_query")]);
        Assert.Equal("'" + response, rows[1][rows[0].IndexOf("first_response")]);
        Assert.Equal("Dinner at 7 = fine?", rows[2][rows[0].IndexOf("neutralized_query")]); // only a leading sign counts
        Assert.Equal("Yes - at 7", rows[2][rows[0].IndexOf("first_response")]);
    }

    [Fact]
    public void Table_ShowsADashForWhatASettingDoesNotMeasure_AndCountsUnparsedVerdicts()
    {
        var learning = BenchmarkSetting.Learning(1);
        SessionRecord[] sessions = [new() { Setting = learning.Key, PersonaId = "p", SceneId = "s", Utterances = 2, Helpfulness = 8, Personalization = 6 }];
        PersonaRecord[] personas = [new() { Setting = learning.Key, PersonaId = "p", JudgeError = "not JSON" }];

        var table = ReportWriter.ToTable(PersonaBenchReport.From([BenchmarkSetting.NoPersona, learning], sessions, personas)).Split('\n');

        Assert.StartsWith("| No Persona ", table[2], StringComparison.Ordinal);
        Assert.EndsWith("|", table[2].TrimEnd(), StringComparison.Ordinal); // nothing to note
        Assert.Equal(6, table[2].Split('|', StringSplitOptions.TrimEntries).Count(c => c == "—"));
        Assert.Contains("|     8.00 |      6.00 |        — |", table[3], StringComparison.Ordinal);
        Assert.EndsWith("(1 unparsed verdicts)", table[3].TrimEnd(), StringComparison.Ordinal);
    }

    // RFC 4180 with one record per line: fields separated by commas, quoted fields with doubled quotes.
    private static List<List<string>> Lines(string csv)
    {
        var records = new List<List<string>>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == ',' && !quoted)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else
                {
                    Assert.NotEqual('\r', c);
                    field.Append(c);
                }
            }

            Assert.False(quoted, "A quoted field runs past the end of its line.");
            fields.Add(field.ToString());
            records.Add(fields);
        }

        return records;
    }
}
