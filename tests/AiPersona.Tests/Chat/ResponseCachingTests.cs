using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.Tests.Chat;

/// <summary>
/// Microsoft.Extensions.AI's response cache (<c>UseDistributedCache</c>) with personalization, the user coming from an
/// <see cref="IChatUserResolver"/> (the signed-in web user) and so not in the request's options. Behind the
/// personalization layer, as docs/recipes.md advises, the cache key covers the persona the request carries, so each user
/// gets an answer made for them. In front of it, the key covers only what the caller sent, and two users asking the same
/// question share one answer: the first user's, made from the first user's persona.
/// </summary>
public sealed class ResponseCachingTests
{
    private const string Question = "Where should I stay in Rome?";

    [Fact]
    public async Task TheCacheBehindThePersonalization_GivesEachUserTheirOwnAnswer_AndStillAnswersRepeatsFromTheCache()
    {
        var (model, user, chat, services) = await BuildAsync(builder => builder.UsePersonalization().UseDistributedCache(new DictionaryCache()));

        user.Id = "ana";
        var ana = await chat.GetResponseAsync(Question, Options());
        user.Id = "ben";
        var ben = await chat.GetResponseAsync(Question, Options());

        Assert.Equal("A boutique hotel near the Pantheon.", ana.Text);
        Assert.Equal("A campsite on the Tiber.", ben.Text);
        Assert.Equal(2, model.Calls.Count);

        // The same request of the same user, with the same persona, is answered from the cache, and still recorded (as another
        // reply to the question, which the request asked again).
        var again = await chat.GetResponseAsync(Question, Options());
        Assert.Equal("A campsite on the Tiber.", again.Text);
        Assert.Equal(2, model.Calls.Count);
        var sessions = services.GetRequiredService<ISessionManager>();
        Assert.Equal([Question, "A campsite on the Tiber.", "A campsite on the Tiber."], (await sessions.GetSessionsAsync("ben")).Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task TheCacheInFrontOfThePersonalization_GivesTheSecondUserTheFirstUsersAnswer()
    {
        var (model, user, chat, services) = await BuildAsync(builder => builder.UseDistributedCache(new DictionaryCache()).UsePersonalization());

        user.Id = "ana";
        var ana = await chat.GetResponseAsync(Question, Options());
        user.Id = "ben";
        var ben = await chat.GetResponseAsync(Question, Options());

        Assert.Equal("A boutique hotel near the Pantheon.", ana.Text);
        Assert.Equal("A boutique hotel near the Pantheon.", ben.Text); // ana's answer, made from ana's persona
        Assert.Single(model.Calls);
        Assert.Empty(await services.GetRequiredService<ISessionManager>().GetSessionsAsync("ben")); // nor was ben's turn recorded
    }

    // Microsoft.Extensions.AI caches no request that carries a conversation id (the service may keep that conversation).
    private static ChatOptions Options() => new();

    private static async Task<(TestChatClient Model, CurrentUser User, IChatClient Chat, ServiceProvider Services)> BuildAsync(Func<ChatClientBuilder, ChatClientBuilder> pipeline)
    {
        // The model answers from the persona the request carries.
        var model = TestChatClient.Replying(messages => string.Join("\n", messages.Select(m => m.Text)) switch
        {
            var text when text.Contains("boutique hotels", StringComparison.Ordinal) => "A boutique hotel near the Pantheon.",
            var text when text.Contains("camping", StringComparison.Ordinal) => "A campsite on the Tiber.",
            _ => "A hotel near Termini.",
        });
        var user = new CurrentUser();
        var services = new ServiceCollection();
        services.AddSingleton<IChatUserResolver>(user);
        services.AddAiPersona();
        pipeline(services.AddChatClient(model));
        var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IPersonaStore>();
        foreach (var (id, likes) in new[] { ("ana", "boutique hotels"), ("ben", "camping") })
        {
            await store.SaveAsync((await store.GetAsync(id)).ApplyEdits([PersonaEdit.Set("preferences", "styles", likes)], DateTimeOffset.UtcNow));
        }

        return (model, user, provider.GetRequiredService<IChatClient>(), provider);
    }

    // The signed-in user of the current request, as a web app's resolver reads it.
    private sealed class CurrentUser : IChatUserResolver
    {
        public string? Id { get; set; }

        public ValueTask<string?> ResolveUserIdAsync(ChatOptions? options, CancellationToken cancellationToken) => ValueTask.FromResult(Id);
    }

    private sealed class DictionaryCache : IDistributedCache
    {
        private readonly ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);

        public byte[]? Get(string key) => _entries.TryGetValue(key, out var value) ? value : null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _entries[key] = value;

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => _entries.TryRemove(key, out _);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Remove(key);
            return Task.CompletedTask;
        }
    }
}
