using System.Diagnostics;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Update_EmitsAnActivityTaggedWithTheHashedUser_NotTheRawId()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "AiPersona",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var userId = "telemetry-" + Guid.NewGuid().ToString("N");
        var sessions = new SessionManager(new InMemorySessionStore(), TestOptions.Create());
        await sessions.RecordTurnAsync(userId, null, [User("hi")], [Assistant("hello")]);
        await sessions.EndSessionAsync(userId);
        var optimizer = new Mock<IPersonaOptimizer>();
        optimizer.Setup(o => o.OptimizeAsync(It.IsAny<PersonaOptimizationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(PersonaOptimizationResult.Success([]));
        using var updater = new PersonaUpdater(new InMemoryPersonaStore(), sessions, optimizer.Object, TestOptions.Create(o => o.SessionsPerUpdate = 1));

        await updater.UpdateAsync(userId);

        Activity update;
        lock (activities)
        {
            update = Assert.Single(activities, a => a.OperationName == "aipersona.persona.update" && (string?)a.GetTagItem("aipersona.user.hash") == UserIdHash.Of(userId));
        }

        Assert.Equal(1, update.GetTagItem("aipersona.sessions.count"));
        Assert.DoesNotContain(update.TagObjects, t => t.Value is string s && s.Contains(userId, StringComparison.Ordinal));
    }
}
