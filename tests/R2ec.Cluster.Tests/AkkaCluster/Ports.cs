using System.Net;
using System.Net.Sockets;

namespace R2ec.Cluster.Tests.AkkaCluster;

/// <summary>Free loopback ports for members whose addresses must be known before they start (seed nodes).</summary>
internal static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
