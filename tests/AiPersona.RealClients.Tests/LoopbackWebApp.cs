using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiPersona.RealClients.Tests;

/// <summary>The ASP.NET Core apps the tests start (fake model servers, a chat web app): Kestrel on a free port of
/// 127.0.0.1, without logging.</summary>
/// <remarks>Kestrel binds port 0 itself, so parallel tests never race for a port; the managed <c>HttpListener</c> used
/// before re-bound its port while closing (Stop, then Close, on Unix) and once failed a run with "Address already in use"
/// when another test had taken it.</remarks>
public static class LoopbackWebApp
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>Starts the app and returns its address, ending with a slash.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
