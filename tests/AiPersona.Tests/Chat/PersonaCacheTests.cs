using Microsoft.Extensions.Time.Testing;
using Moq;

namespace AiPersona.Tests.Chat;

public sealed class PersonaCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetRendered_ReloadsAfterTheCacheDuration()
    {
        var (time, store, cache) = OneMinuteCache();
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), TestContext.Current.CancellationToken);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));

        var stored = await store.GetAsync("u1", TestContext.Current.CancellationToken);
        await store.SaveAsync(stored.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now), TestContext.Current.CancellationToken);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Contains("Bea", await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WithACacheDurationOfZero_EveryRequestReadsTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryPersonaStore();
        var cache = new PersonaCache(store, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.Zero }), new FakeTimeProvider(Now));
        var saved = await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), ct);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", ct));
        cache.Set(saved); // a save of this process is not kept either

        await store.SaveAsync(saved.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now), ct); // the clock has not moved

        Assert.Contains("Bea", await cache.GetRenderedAsync("u1", ct));
    }

    [Fact]
    public async Task ASave_AtTheSameInstantAsTheCachedVersion_IsRenderedAnew()
    {
        // Two saves within one tick of the clock (or of a store's time precision) differ only in their version: the
        // rendered text of the first must not be reused for the second.
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryPersonaStore();
        var cache = new PersonaCache(store, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), new FakeTimeProvider(Now));
        var first = await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), ct);
        cache.Set(first);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", ct));

        var second = await store.SaveAsync(first.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now), ct);
        Assert.Equal((2, first.UpdatedAt), (second.Version, second.UpdatedAt));
        cache.Set(second);

        var text = await cache.GetRenderedAsync("u1", ct);
        Assert.Contains("Bea", text);
        Assert.DoesNotContain("Ana", text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)] // two saves within one clock tick
    public async Task GetRendered_ALoadOfAnOlderVersionReturnsTheNewerCachedPersona(int minutesLater)
    {
        var (time, store, cache) = OneMinuteCache();
        var first = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now);
        await store.SaveAsync(first, TestContext.Current.CancellationToken);

        // This process saved version 2 and cached it; a later load still sees version 1 (a lagging read replica, say).
        var newer = first.Updated.ApplyEdits([PersonaEdit.Set("demographics", "name", "Bea")], Now.AddMinutes(minutesLater)).Updated;
        cache.Set(newer);
        time.Advance(TimeSpan.FromMinutes(2));

        var text = await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken);

        Assert.Contains("Bea", text);
        Assert.DoesNotContain("Ana", text);
    }

    [Fact]
    public async Task ALoadOfWhatTheSameVersionHeldBeforeTheUserWasForgotten_ReturnsTheNewerCachedPersona()
    {
        // Forgotten and learned anew here: version 1 again, saved later; a later load (a lagging read replica) still sees the
        // version 1 of before.
        var (time, store, cache) = OneMinuteCache();
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), TestContext.Current.CancellationToken);
        cache.Set(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Cleo")], Now.AddMinutes(3)).Updated);
        time.Advance(TimeSpan.FromMinutes(5));

        var text = await cache.GetRenderedAsync("u1", TestContext.Current.CancellationToken);

        Assert.Contains("Cleo", text);
        Assert.DoesNotContain("Ana", text);
    }

    [Fact]
    public async Task AUserForgottenByAnotherInstance_IsForgottenHereAfterTheCacheDuration()
    {
        var (time, store, cache) = OneMinuteCache();
        var ct = TestContext.Current.CancellationToken;
        var first = (await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), ct));
        await store.SaveAsync(first.ApplyEdits([PersonaEdit.Set("demographics", "career", "Nurse")], Now.AddMinutes(1)), ct);
        Assert.Contains("Nurse", await cache.GetRenderedAsync("u1", ct)); // version 2, cached here

        await store.DeleteUserAsync("u1", ct); // ForgetUserAsync on another instance: the version starts again from 0
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(string.Empty, await cache.GetRenderedAsync("u1", ct));

        // Learned anew there: version 1 again, with other content.
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Cleo")], Now.AddMinutes(3)), ct);
        time.Advance(TimeSpan.FromMinutes(2));
        var text = await cache.GetRenderedAsync("u1", ct);
        Assert.Contains("Cleo", text);
        Assert.DoesNotContain("Ana", text);
    }

    [Fact]
    public async Task AUserForgottenAndLearnedAnewByAnotherInstance_WithinOneCacheDuration_ShowsTheNewPersonaOnceItPasses()
    {
        // No read here in between: the store's version 1 after it is that of before, saved later and saying other things.
        var (time, store, cache) = OneMinuteCache();
        var ct = TestContext.Current.CancellationToken;
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now), ct);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", ct));

        await store.DeleteUserAsync("u1", ct);
        var relearned = await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Cleo")], Now.AddSeconds(30)), ct);
        Assert.Equal(1, relearned.Version);
        time.Advance(TimeSpan.FromMinutes(2));

        var text = await cache.GetRenderedAsync("u1", ct);
        Assert.Contains("Cleo", text);
        Assert.DoesNotContain("Ana", text);
    }

    [Fact]
    public async Task ARead_ThatWasOnItsWayWhenTheUserWasForgotten_IsNotCached()
    {
        var time = new FakeTimeProvider(Now);
        var stored = Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now).Updated;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new Mock<IPersonaStore>();
        store.SetupSequence(s => s.GetAsync("u1", It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                await gate.Task;
                return stored;
            })
            .ReturnsAsync(Persona.CreateEmpty("u1"));
        var cache = new PersonaCache(store.Object, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        var ct = TestContext.Current.CancellationToken;

        var inFlight = cache.GetRenderedAsync("u1", ct); // reads the persona as it was...
        cache.Remove("u1");                               // ...while the user is forgotten
        gate.SetResult();
        await inFlight;

        Assert.Equal(string.Empty, await cache.GetRenderedAsync("u1", ct)); // read again, not served from the old read
    }

    [Fact]
    public async Task ARead_ThatFoundNothing_DoesNotReplaceTheFirstUpdateSavedWhileItWasOnItsWay()
    {
        var time = new FakeTimeProvider(Now);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new Mock<IPersonaStore>();
        store.SetupSequence(s => s.GetAsync("u1", It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                await gate.Task;
                return Persona.CreateEmpty("u1"); // read before the first update was saved
            })
            .ReturnsAsync(Persona.CreateEmpty("u1")); // a read replica that lags, say
        var cache = new PersonaCache(store.Object, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        var ct = TestContext.Current.CancellationToken;

        var inFlight = cache.GetRenderedAsync("u1", ct);
        cache.Set(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana")], Now).Updated); // the update saves
        gate.SetResult();

        Assert.Contains("Ana", await inFlight);
        Assert.Contains("Ana", await cache.GetRenderedAsync("u1", ct)); // kept, not the empty persona the slow read found
        store.Verify(s => s.GetAsync("u1", It.IsAny<CancellationToken>()), Times.Once());
    }

    [Fact]
    public async Task OptionsReloadedFromConfiguration_RenderTheSamePersonaAnew_WhenTheCacheDurationPasses()
    {
        var time = new FakeTimeProvider(Now);
        var store = new InMemoryPersonaStore();
        var ct = TestContext.Current.CancellationToken;
        await store.SaveAsync(Persona.CreateEmpty("u1").ApplyEdits([PersonaEdit.Set("demographics", "name", "Ana"), PersonaEdit.Set("demographics", "gender", "female")], Now), ct);
        var options = new ReloadableOptions(new AiPersonaOptions { PersonaCacheDuration = TimeSpan.FromMinutes(1) });
        var cache = new PersonaCache(store, new PersonaRenderer(), options, time);
        Assert.Contains("female", await cache.GetRenderedAsync("u1", ct));

        // appsettings.json edited while the app runs: gender is never-store from now on (a new options instance).
        var reloaded = new AiPersonaOptions { PersonaCacheDuration = TimeSpan.FromMinutes(1) };
        reloaded.Schema.FindField("demographics", "gender")!.Policy = FieldPolicy.NeverStore;
        options.CurrentValue = reloaded;
        time.Advance(TimeSpan.FromMinutes(1));

        var text = await cache.GetRenderedAsync("u1", ct); // the persona itself has not changed version
        Assert.Contains("Ana", text);
        Assert.DoesNotContain("female", text);
    }

    [Fact]
    public async Task WhenFull_StaleEntriesGoFirst_SoAUserChattingNowKeepsTheirs()
    {
        var time = new FakeTimeProvider(Now);
        var store = StoreNamingEveryUser();
        var cache = new PersonaCache(store.Object, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < PersonaCache.MaxEntries - 1; i++)
        {
            await cache.GetRenderedAsync($"earlier-{i}", ct);
        }

        time.Advance(TimeSpan.FromMinutes(2));
        await cache.GetRenderedAsync("hot", ct);

        // The cache is full: this load makes room.
        await cache.GetRenderedAsync("newcomer", ct);
        Assert.Contains("hot", await cache.GetRenderedAsync("hot", ct), StringComparison.Ordinal);

        store.Verify(s => s.GetAsync("hot", It.IsAny<CancellationToken>()), Times.Once());
    }

    [Fact]
    public async Task WhenFullOfFreshEntries_TheCacheIsEmptied_SoItNeverHoldsMoreThanItsCap()
    {
        var time = new FakeTimeProvider(Now);
        var store = StoreNamingEveryUser();
        var cache = new PersonaCache(store.Object, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < PersonaCache.MaxEntries; i++)
        {
            await cache.GetRenderedAsync($"user-{i}", ct);
        }

        await cache.GetRenderedAsync("newcomer", ct); // every entry is fresh: no room but by emptying the cache
        await cache.GetRenderedAsync("user-0", ct);
        await cache.GetRenderedAsync("newcomer", ct);

        store.Verify(s => s.GetAsync("user-0", It.IsAny<CancellationToken>()), Times.Exactly(2));
        store.Verify(s => s.GetAsync("newcomer", It.IsAny<CancellationToken>()), Times.Once());
    }

    // A cache over an empty in-memory store that keeps a persona for one minute of the fake clock.
    private static (FakeTimeProvider Time, InMemoryPersonaStore Store, PersonaCache Cache) OneMinuteCache()
    {
        var time = new FakeTimeProvider(Now);
        var store = new InMemoryPersonaStore();
        return (time, store, new PersonaCache(store, new PersonaRenderer(), new TestOptions<AiPersonaOptions>(new() { PersonaCacheDuration = TimeSpan.FromMinutes(1) }), time));
    }

    // A store that holds a persona for any user id, with the id as the user's name.
    private static Mock<IPersonaStore> StoreNamingEveryUser()
    {
        var store = new Mock<IPersonaStore>();
        store.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string userId, CancellationToken _) => Persona.CreateEmpty(userId).ApplyEdits([PersonaEdit.Set("demographics", "name", userId)], Now).Updated);
        return store;
    }

    private sealed class ReloadableOptions(AiPersonaOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<AiPersonaOptions>
    {
        public AiPersonaOptions CurrentValue { get; set; } = value;

        public AiPersonaOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AiPersonaOptions, string?> listener) => null;
    }
}
