using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace R2ec.Training.DataPlane;

/// <summary>
/// The endpoints every node serves for Kubernetes and Prometheus: <c>/alive</c> (the process answers),
/// <c>/ready</c> (the node's readiness delegate says it can take work; 503 otherwise) and <c>/metrics</c>
/// (Prometheus text). None needs the blob token: they reveal no blob content.
/// </summary>
public sealed class NodeEndpoints : IAsyncDisposable
{
    /// <summary>Content type of the Prometheus text exposition format.</summary>
    public const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly WebApplication _app;

    private NodeEndpoints(WebApplication app, Uri baseAddress) => (_app, BaseAddress) = (app, baseAddress);

    /// <summary>The address the endpoints are served on.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Maps <c>/alive</c>, <c>/ready</c> and <c>/metrics</c> on <paramref name="routes"/>.</summary>
    public static void Map(IEndpointRouteBuilder routes, Func<bool> ready, NodeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(metrics);
        routes.MapGet("/alive", () => Results.Text("alive\n"));
        routes.MapGet("/ready", () => ready() ? Results.Text("ready\n") : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        MapMetrics(routes, metrics);
    }

    /// <summary>Maps <c>/metrics</c> alone, for a host whose <c>/alive</c> and <c>/ready</c> are health checks (Cluster/ClusterMember.cs).</summary>
    public static void MapMetrics(IEndpointRouteBuilder routes, NodeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        routes.MapGet("/metrics", () => Results.Text(metrics.ToPrometheusText(), MetricsContentType));
    }

    /// <summary>Serves the endpoints alone, for a node that hosts no blob server (port 0 picks a free port).</summary>
    public static async Task<NodeEndpoints> StartAsync(string listenUrl, Func<bool> ready, NodeMetrics metrics, TlsFiles? tls = null, CancellationToken cancellationToken = default)
    {
        var app = KestrelHost.CreateBuilder(listenUrl, tls).Build();
        Map(app, ready, metrics);
        await app.StartAsync(cancellationToken);
        return new NodeEndpoints(app, KestrelHost.BoundAddress(app));
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
