using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using R2ec.Training.DataPlane;
using Serilog;
using AkkaCluster = Akka.Cluster.Cluster;
using ClusterOptions = R2ec.Training.Configuration.ClusterOptions;

namespace R2ec.Training.Cluster;

/// <summary>How a cluster member's process ends.</summary>
/// <param name="ExitCode">0 after a graceful leave; <see cref="ClusterMember.RemovedExitCode"/> when it was removed without asking.</param>
/// <param name="Reason">Why, for the node's last log line.</param>
public sealed record MemberExit(int ExitCode, string Reason);

/// <summary>
/// One process's membership in the job's Akka.Cluster, with its health endpoints: the actor system (configured by
/// <see cref="ClusterBootstrap"/>) hosted on the same small Kestrel host that serves <c>/alive</c> (the actor system
/// lives), <c>/ready</c> (the member is Up and the node's own readiness holds: policy and item table loaded) and
/// <c>/metrics</c>. <see cref="Exited"/> completes when the member leaves the cluster by any path: a graceful leave
/// (<see cref="LeaveAsync"/>, exit code 0), or removal it did not ask for — downed by the split-brain resolver or an
/// operator, quarantined, its actor system terminated — with <see cref="RemovedExitCode"/>. The node's main loop
/// awaits it and exits with that code, so Kubernetes restarts the pod fresh: a removed node never goes on with
/// stale state.
/// </summary>
public sealed class ClusterMember : IAsyncDisposable
{
    /// <summary>Exit code of a node removed from the cluster without asking (downed, quarantined, system terminated).</summary>
    public const int RemovedExitCode = 3;

    /// <summary>Health-check tag of the checks behind <c>/alive</c>.</summary>
    public const string LiveTag = "r2ec-live";

    /// <summary>Health-check tag of the checks behind <c>/ready</c>.</summary>
    public const string ReadyTag = "r2ec-ready";

    private readonly WebApplication _app;
    private readonly ILogger _log;
    private readonly TaskCompletionSource<MemberExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _leaving;

    private ClusterMember(WebApplication app, ActorSystem system, ILogger log)
    {
        (_app, System, _log) = (app, system, log);
        Endpoints = KestrelHost.BoundAddress(app);
    }

    /// <summary>The member's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>Where <c>/alive</c>, <c>/ready</c> and <c>/metrics</c> are served.</summary>
    public Uri Endpoints { get; }

    /// <summary>This member's address in the cluster (<c>akka.tcp://system@host:port</c>).</summary>
    public Address Address => AkkaCluster.Get(System).SelfAddress;

    /// <summary>Completes when the member has left the cluster, with the exit code the process must end with.</summary>
    public Task<MemberExit> Exited => _exit.Task;

    /// <summary>Starts the actor system, joins the seed nodes and serves the health endpoints.</summary>
    /// <param name="cluster">The job's <c>Cluster:</c> keys, validated.</param>
    /// <param name="roles">The roles this process holds.</param>
    /// <param name="ready">The node's own readiness (policy and item table loaded); <c>/ready</c> needs it and membership Up.</param>
    /// <param name="metrics">The node's metrics, served on <c>/metrics</c>.</param>
    /// <param name="log">The node's logger; Akka logs through Serilog's global logger.</param>
    /// <param name="actors">Adds the node's actors (singleton, proxies, workers) to the builder; null for a bare member.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ClusterMember> StartAsync(ClusterOptions cluster, NodeRoles roles, Func<bool> ready, NodeMetrics metrics, ILogger log,
        Action<AkkaConfigurationBuilder>? actors = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(ready);
        var certificate = ClusterBootstrap.LoadCertificate(cluster);
        var builder = KestrelHost.CreateBuilder(cluster.EndpointsListen, TlsFiles.FromEnvironment());
        builder.Services.AddHealthChecks();
        // SIGTERM belongs to the node's main loop (a graceful leave, exit 0); the host's console lifetime would
        // otherwise stop Akka on the same signal first, and the leave would look like a removal.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.Services.AddAkka(cluster.SystemName, akka =>
        {
            ClusterBootstrap.Configure(akka, cluster, roles, certificate);
            akka.WithActorSystemLivenessCheck(tags: [LiveTag]);
            akka.WithAkkaClusterReadinessCheck(tags: [ReadyTag]);
            akka.WithHealthCheck("r2ec-node-ready",
                (_, _, _) => Task.FromResult(ready() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the node has not loaded its policy and item table")),
                tags: [ReadyTag]);
            akka.WithActors((system, _) => system.ActorOf(ClusterEventLogger.Props(log), "cluster-events"));
            actors?.Invoke(akka);
        });
        var app = builder.Build();
        app.MapHealthChecks("/alive", Only(LiveTag));
        app.MapHealthChecks("/ready", Only(ReadyTag));
        NodeEndpoints.MapMetrics(app, metrics);
        await app.StartAsync(cancellationToken);
        var member = new ClusterMember(app, app.Services.GetRequiredService<ActorSystem>(), log);
        member.Watch();
        log.Information("Cluster member {Member} with roles {Roles}, seeds {Seeds}; health on {Endpoints}",
            member.Address.ToString(), string.Join(",", ClusterBootstrap.AkkaRoles(roles)), cluster.Seeds, member.Endpoints);
        return member;
    }

    private static HealthCheckOptions Only(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    private void Watch()
    {
        // Akka runs this when the member is removed (downed, left) and when the cluster extension shuts down.
        AkkaCluster.Get(System).RegisterOnMemberRemoved(() => Finish(_leaving
            ? new MemberExit(0, "left the cluster")
            : new MemberExit(RemovedExitCode, "removed from the cluster without leaving (downed by the split-brain resolver or an operator, or quarantined)")));
        System.WhenTerminated.ContinueWith(_ => Finish(_leaving
            ? new MemberExit(0, "left the cluster")
            : new MemberExit(RemovedExitCode, "the actor system terminated")), TaskScheduler.Default);
    }

    private void Finish(MemberExit exit)
    {
        if (_exit.TrySetResult(exit))
            _log.Information("Cluster member {Member} exits with code {ExitCode}: {Reason}", Address.ToString(), exit.ExitCode, exit.Reason);
    }

    /// <summary>
    /// Leaves the cluster gracefully (SIGTERM): Akka's coordinated shutdown hands singletons over and leaves;
    /// <see cref="Exited"/> then completes with exit code 0. Returns when it has.
    /// </summary>
    public async Task<MemberExit> LeaveAsync()
    {
        _leaving = true;
        _log.Information("Cluster member {Member} leaves the cluster", Address.ToString());
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        return await Exited;
    }

    /// <summary>Stops the endpoints and the actor system (leaving the cluster when still a member).</summary>
    public async ValueTask DisposeAsync()
    {
        // Stopping the host runs Akka's coordinated shutdown, which leaves the cluster: a leave, not a removal.
        _leaving = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A host lifetime that listens to no signal: the node's own signal handling decides how it stops.</summary>
internal sealed class SignalFreeLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
