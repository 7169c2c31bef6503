using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiPersona.Tests.TestData;

namespace AiPersona.Tests.DependencyInjection;

/// <summary>Chat clients registered scoped or transient (a web app's per-request client), with the scope validation
/// ASP.NET Core turns on in development: the optimizer must find its client in a scope of its own, that scope must end
/// with the update, and a request's scope must not wait for updates when its client is disposed.</summary>
public sealed class ChatClientLifetimeTests
{
    private static readonly ServiceProviderOptions Validating = new() { ValidateScopes = true, ValidateOnBuild = true };

    [Theory]
    [InlineData(ServiceLifetime.Scoped, false)]
    [InlineData(ServiceLifetime.Transient, false)]
    [InlineData(ServiceLifetime.Scoped, true)]
    [InlineData(ServiceLifetime.Transient, true)]
    public async Task TheOptimizer_UsesAScopedOrTransientClient_ResolvedInAScopeOfItsOwn_ThatEndsWithTheUpdate(ServiceLifetime lifetime, bool keyedOptimizer)
    {
        var ct = TestContext.Current.CancellationToken;
        var models = new ConcurrentQueue<TestChatClient>();
        TestChatClient NewModel(TestChatClient model)
        {
            models.Enqueue(model);
            return model;
        }

        var services = new ServiceCollection();
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        if (keyedOptimizer)
        {
            services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, _ => NewModel(FakeModels.Optimizer()), lifetime);
            services.AddChatClient(_ => NewModel(FakeModels.Chat()), lifetime).UsePersonalization();
        }
        else
        {
            // One model for chat and optimizer: the unkeyed client, the personalized pipeline itself, is the optimizer's.
            var optimizerReplies = FakeModels.Optimizer().GetResponseAsyncCallback!;
            var chatReplies = FakeModels.Chat().GetResponseAsyncCallback!;
            services.AddChatClient(
                _ => NewModel(new TestChatClient { GetResponseAsyncCallback = (m, o, t) => o?.ResponseFormat is ChatResponseFormatJson ? optimizerReplies(m, o, t) : chatReplies(m, o, t) }),
                lifetime).UsePersonalization();
        }

        await using var provider = services.BuildServiceProvider(Validating);
        for (var s = 1; s <= 4; s++)
        {
            await using var request = provider.CreateAsyncScope();
            await request.ServiceProvider.GetRequiredService<IChatClient>().GetResponseAsync(
                [User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"), ct);
        }

        Assert.Equal("thing1, thing2, thing3", (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana", ct)).GetValue("personality", "values_and_interests")!.Value);
        Assert.Equal(5, models.Count); // one per request, and the optimizer's
        var optimizerModel = Assert.Single(models, m => m.Calls.Any(c => c.Options?.ResponseFormat is ChatResponseFormatJson));
        Assert.Single(optimizerModel.Calls);
        Assert.All(models, m => Assert.True(m.Disposed, "every scope, the optimizer's too, ended and disposed its client"));
    }

    [Fact]
    public async Task DisposingARequestsScopedClient_DoesNotWaitForAnUpdateRunningInTheBackground()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var learning = FakeModels.Optimizer().GetResponseAsyncCallback!;
        var optimizerModel = new TestChatClient
        {
            GetResponseAsyncCallback = async (m, o, t) =>
            {
                started.TrySetResult();
                await release.Task;
                return await learning(m, o, t);
            },
        };
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));
        services.AddKeyedChatClient(AiPersonaOptions.DefaultOptimizerChatClientKey, optimizerModel);
        services.AddChatClient(_ => FakeModels.Chat(), ServiceLifetime.Scoped).UsePersonalization();
        await using var provider = services.BuildServiceProvider(Validating);
        try
        {
            for (var s = 1; s <= 4; s++)
            {
                var request = provider.CreateAsyncScope();
                await request.ServiceProvider.GetRequiredService<IChatClient>().GetResponseAsync(
                    [User($"I like thing{s}")], new ChatOptions { ConversationId = $"c{s}" }.WithPersonaUser("ana"), ct);
                if (s == 4)
                {
                    await started.Task.WithinAMinute(); // the fourth turn ended the third session: the update is running
                }

                await request.DisposeAsync().AsTask().WithinAMinute();
            }

            Assert.Equal(0, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana", ct)).Version);
            release.SetResult();
            await provider.GetRequiredService<PersonaUpdateScheduler>().WhenIdleAsync(ct);
            Assert.Equal(1, (await provider.GetRequiredService<IPersonaStore>().GetAsync("ana", ct)).Version);
        }
        finally
        {
            release.TrySetResult(); // a failed assertion must not leave the provider's disposal waiting five minutes
        }
    }
}
