using System.ClientModel;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;

namespace AiPersona.RealClients.Tests.WebApp;

/// <summary>A small ASP.NET Core chat app on 127.0.0.1, set up as docs/recipes.md tells a web app to: ASP.NET Core
/// authentication signs the request in, <see cref="SignedInUser"/> makes that user the chat user, and
/// <c>AddChatClient(...).UsePersonalization()</c> wraps MEAI's OpenAI client, which talks HTTP to a model server.
/// Updates run in the background (the default), and the service provider validates scopes, as in development.
/// <c>POST /chat</c> answers a turn; <c>POST /chat/stream</c> streams the answer as plain text, as it arrives.</summary>
public sealed class ChatWebApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<string> _streamOutcomes = Channel.CreateUnbounded<string>();

    private ChatWebApp(Uri modelAddress, ServiceLifetime chatClientLifetime)
    {
        var builder = LoopbackWebApp.CreateBuilder();
        builder.Host.UseDefaultServiceProvider(o =>
        {
            o.ValidateScopes = true;
            o.ValidateOnBuild = true;
        });
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<IChatUserResolver, SignedInUser>();
        builder.Services.AddAiPersona();
        builder.Services.AddChatClient(
            _ => new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(modelAddress, "v1/") })
                .GetChatClient("gpt-test")
                .AsIChatClient(),
            chatClientLifetime)
            .UsePersonalization();
        _app = builder.Build();
        _app.UseAuthentication();
        _app.MapPost("/chat", async (ChatTurnRequest turn, IChatClient chat, CancellationToken cancellationToken)
            => (await chat.GetResponseAsync(MessagesOf(turn), new ChatOptions { ConversationId = turn.ConversationId }, cancellationToken)).Text);
        _app.MapPost("/chat/stream", StreamAsync);
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The app's services (its persona store and session manager, for assertions).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the app on a free port of 127.0.0.1.</summary>
    /// <param name="modelAddress">The model server.</param>
    /// <param name="chatClientLifetime">How the chat client is registered: one for the app, or one per request (scoped).</param>
    public static async Task<ChatWebApp> StartAsync(Uri modelAddress, ServiceLifetime chatClientLifetime = ServiceLifetime.Singleton)
    {
        var app = new ChatWebApp(modelAddress, chatClientLifetime);
        app.BaseAddress = await LoopbackWebApp.StartAsync(app._app);
        return app;
    }

    /// <summary>Waits for the next <c>POST /chat/stream</c> request to finish and says how it ended: <c>completed</c>,
    /// <c>abandoned by the browser</c>, or <c>failed: </c> and the exception's type.</summary>
    public ValueTask<string> NextStreamOutcomeAsync(CancellationToken cancellationToken) => _streamOutcomes.Reader.ReadAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static List<ChatMessage> MessagesOf(ChatTurnRequest turn)
        => [new(ChatRole.System, "You are the assistant of a travel site."), .. turn.Messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Text))];

    private async Task StreamAsync(ChatTurnRequest turn, IChatClient chat, HttpContext http)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(MessagesOf(turn), new ChatOptions { ConversationId = turn.ConversationId }, http.RequestAborted))
            {
                await http.Response.WriteAsync(update.Text, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }

            _streamOutcomes.Writer.TryWrite("completed");
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            _streamOutcomes.Writer.TryWrite("abandoned by the browser");
        }
        catch (Exception e)
        {
            _streamOutcomes.Writer.TryWrite("failed: " + e.GetType().Name);
            throw;
        }
    }
}
