using Microsoft.Extensions.Time.Testing;

namespace AiPersona.Tests.Chat;

public sealed class PersonaCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetRendered_ReloadsAfterTheCacheDuration()
    {
        var time = new FakeTimeProvider(Now);
        var store = new InMemoryPersonaStore();
        var cache = new PersonaCache(store, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), TestContext.Current.CancellationToken);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));

        var stored = await store.GetAsync("u1", TestContext.Current.CancellationToken);
        await store.SaveAsync(stored.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now), TestContext.Current.CancellationToken);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Contains("Bea", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetRendered_ALoadOfAnOlderVersionReturnsTheNewerCachedPersona()
    {
        var time = new FakeTimeProvider(Now);
        var store = new InMemoryPersonaStore();
        var cache = new PersonaCache(store, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        var first = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now);
        await store.SaveAsync(first, TestContext.Current.CancellationToken);

        // This process saved version 2 and cached it; a later load still sees version 1 (a lagging read replica, say).
        var newer = first.Updated.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now).Updated;
        cache.Set(newer);
        time.Advance(TimeSpan.FromMinutes(2));

        var text = await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken);

        Assert.Contains("Bea", text);
        Assert.DoesNotContain("Ana", text);
    }
}
