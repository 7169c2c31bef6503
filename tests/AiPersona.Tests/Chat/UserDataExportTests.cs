using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Moq;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.Chat;

/// <summary><see cref="PersonalizedChatClient.ExportUserAsync"/> and the JSON document it writes.</summary>
public sealed class UserDataExportTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private ServiceProvider? _services;

    public void Dispose() => _services?.Dispose();

    [Fact]
    public async Task Export_HoldsThePersonaWithItsProvenance_ItsHistory_AndEverySession()
    {
        var client = Build();
        var personalized = client.GetService<PersonalizedChatClient>()!;
        foreach (var (conversation, text) in new[] { ("c1", "I like tennis"), ("c2", "I like jazz"), ("c3", "I like chess"), ("c4", "Hello") })
        {
            await client.GetResponseAsync([User(text)], new ChatOptions { ConversationId = conversation }.WithPersonaUser("ana"));
        }

        await personalized.EditPersonaAsync("ana", [PersonaEdit.Set("demographics", "name", "Ana <Müller> 用户", "from her profile")]);
        _time.Advance(TimeSpan.FromMinutes(5));

        var export = await personalized.ExportUserAsync("ana");

        Assert.Equal(("ana", _time.GetUtcNow(), 2L), (export.UserId, export.ExportedAt, export.Persona.Version));
        var learned = export.Persona.GetValue("personality", "values_and_interests")!;
        Assert.Equal("tennis, jazz, chess", learned.Value);
        Assert.Equal(3, learned.SourceSessionIds.Count);
        Assert.Equal([1L, 2L], export.History.Select(r => r.Version));
        Assert.Equal(
            [SessionState.Learned, SessionState.Learned, SessionState.Learned, SessionState.Open],
            export.Sessions.Select(s => s.State));
        Assert.Equal(learned.SourceSessionIds.Order(), export.Sessions.Take(3).Select(s => s.Id).Order());

        using var stream = new MemoryStream();
        await export.WriteJsonAsync(stream);
        var json = Encoding.UTF8.GetString(stream.ToArray());
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("ana", root.GetProperty("userId").GetString());
        Assert.Equal(2, root.GetProperty("persona").GetProperty("version").GetInt64());
        Assert.Equal("tennis, jazz, chess", root.GetProperty("persona").GetProperty("sections").GetProperty("personality").GetProperty("values_and_interests").GetProperty("value").GetString());
        Assert.Equal("Ana <Müller> 用户", root.GetProperty("history")[1].GetProperty("newValue").GetString());
        Assert.Equal("Learned", root.GetProperty("sessions")[0].GetProperty("state").GetString());
        Assert.Equal(["I like tennis", "reply 1"], root.GetProperty("sessions")[0].GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));

        // Readable by a person (indented, letters of every script as they are), and safe to show in a page.
        Assert.Contains(Environment.NewLine + "  \"persona\": {", json, StringComparison.Ordinal);
        Assert.Contains("Müller", json, StringComparison.Ordinal);
        Assert.Contains("用户", json, StringComparison.Ordinal);
        Assert.DoesNotContain("<Müller>", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OfAUserTheStoresDoNotKnow_IsEmpty()
    {
        var personalized = Build().GetService<PersonalizedChatClient>()!;

        var export = await personalized.ExportUserAsync("nobody");

        Assert.Equal((0L, true), (export.Persona.Version, export.Persona.IsEmpty));
        Assert.Empty(export.History);
        Assert.Empty(export.Sessions);
    }

    [Fact]
    public async Task AnUpdateSavedWhileTheExportReads_IsInItWhole()
    {
        // The history is read after the persona; an update saves in between, so the history holds a version the persona
        // read does not. The reads are repeated and the export has the new version with its history.
        var inner = new InMemoryPersonaStore();
        await inner.SaveAsync(Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], _time.GetUtcNow()));
        var saved = false;
        var store = new Mock<IPersonaStore>();
        store.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns((string u, CancellationToken ct) => inner.GetAsync(u, ct));
        store.Setup(s => s.GetHistoryAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(async (string u, CancellationToken ct) =>
        {
            if (!saved)
            {
                saved = true;
                var current = await inner.GetAsync(u, ct);
                await inner.SaveAsync(current.ApplyEdits([PersonaEdit.Set("preferences", "styles", "brief")], _time.GetUtcNow()), ct);
            }

            return await inner.GetHistoryAsync(u, ct);
        });
        var personalized = Build(services => services.AddSingleton(store.Object)).GetService<PersonalizedChatClient>()!;

        var export = await personalized.ExportUserAsync("ana");

        Assert.Equal(2, export.Persona.Version);
        Assert.Equal("brief", export.Persona.GetValue("preferences", "styles")?.Value);
        Assert.Equal([1L, 2L], export.History.Select(r => r.Version));
        store.Verify(s => s.GetAsync("ana", It.IsAny<CancellationToken>()), Times.Exactly(4));
    }

    [Fact]
    public async Task APersonaThatKeepsChanging_IsExportedAfterThreeReads_WithItsHistoryCutAtItsVersion()
    {
        var reads = 0L;
        var store = new Mock<IPersonaStore>();
        store.Setup(s => s.GetAsync("ana", It.IsAny<CancellationToken>()))
            .Returns(() => Task.FromResult(new Persona("ana", ++reads, DateTimeOffset.UnixEpoch, null)));
        store.Setup(s => s.GetHistoryAsync("ana", It.IsAny<CancellationToken>())).Returns(() => Task.FromResult<IReadOnlyList<PersonaRevision>>(
            [.. Enumerable.Range(1, (int)reads + 1).Select(v => new PersonaRevision(v, "preferences", "styles", null, $"v{v}", null, [], DateTimeOffset.UnixEpoch))]));
        var personalized = Build(services => services.AddSingleton(store.Object)).GetService<PersonalizedChatClient>()!;

        var export = await personalized.ExportUserAsync("ana");

        // Persona reads 1 and 2, 3 and 4, 5 and 6: the last attempt's first read is exported, with revisions up to it.
        Assert.Equal(5, export.Persona.Version);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], export.History.Select(r => r.Version));
        Assert.Equal(6, reads);
    }

    [Fact]
    public async Task ExportsAndDeletions_AreLoggedForAnAuditTrail_WithTheUserHashed()
    {
        var logs = new FakeLogCollector();
        var client = Build(services => services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        var personalized = client.GetService<PersonalizedChatClient>()!;
        await client.GetResponseAsync([User("hello")], new ChatOptions().WithPersonaUser("ana-raw-id"));
        await personalized.EditPersonaAsync("ana-raw-id", [PersonaEdit.Set("preferences", "styles", "brief")]);

        await personalized.ExportUserAsync("ana-raw-id");
        await personalized.ForgetFieldAsync("ana-raw-id", "preferences", "styles");
        await personalized.ForgetUserAsync("ana-raw-id");

        var hash = UserIdHash.Of("ana-raw-id");
        var audit = logs.GetSnapshot().Where(r => r.Level == LogLevel.Information && r.Id.Id is 28 or 29 or 30).ToList();
        Assert.Equal(
            [
                $"Exported the data of user {hash}: persona version 1, 1 revision(s), 1 session(s).",
                $"Deleted field preferences.styles and its history from the persona of user {hash} at the application's request.",
                $"Deleted everything stored about user {hash} at the application's request.",
            ],
            audit.Select(r => r.Message));
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Level > LogLevel.Trace && r.Message.Contains("ana-raw-id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheDocument_IsWrittenWithAsynchronousWritesOnly_AsAWebResponseBodyRequires()
    {
        // ASP.NET Core refuses synchronous writes to a response body (AllowSynchronousIO is off by default).
        var client = Build();
        await client.GetResponseAsync([User("I like tennis")], new ChatOptions().WithPersonaUser("ana"));
        var export = await client.GetService<PersonalizedChatClient>()!.ExportUserAsync("ana");
        using var body = new AsyncOnlyStream();

        await export.WriteJsonAsync(body, TestContext.Current.CancellationToken);

        using var document = JsonDocument.Parse(body.ToArray());
        Assert.Equal("I like tennis", document.RootElement.GetProperty("sessions")[0].GetProperty("messages")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task InvalidArguments_AreRejected()
    {
        var personalized = Build().GetService<PersonalizedChatClient>()!;

        await Assert.ThrowsAsync<ArgumentException>(() => personalized.ExportUserAsync(""));
        await Assert.ThrowsAsync<ArgumentNullException>(() => personalized.ExportUserAsync(null!));
        var export = await personalized.ExportUserAsync("ana");
        await Assert.ThrowsAsync<ArgumentNullException>(() => export.WriteJsonAsync(null!));
    }

    private IChatClient Build(Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        services.AddKeyedSingleton<IChatClient>(AiPersonaOptions.DefaultOptimizerChatClientKey, FakeModels.Optimizer());
        services.AddChatClient(FakeModels.Chat()).UsePersonalization();
        configureServices?.Invoke(services);
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<IChatClient>();
    }

    private sealed class AsyncOnlyStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            base.Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            base.Write(buffer.ToArray(), 0, buffer.Length); // MemoryStream's own write; the span overload would call ours
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
