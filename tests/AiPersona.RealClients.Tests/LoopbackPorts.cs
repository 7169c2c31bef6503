using System.Net;
using System.Net.Sockets;

namespace AiPersona.RealClients.Tests;

/// <summary>Ports on 127.0.0.1 for tests of endpoints that are down.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago: nothing listens on it, so a connection is refused.</summary>
    /// <returns>The port.</returns>
    public static int Closed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
