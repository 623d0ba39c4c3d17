using System.Runtime.CompilerServices;
using R2ec.Actors.Fabric.RabbitMq;
using R2ec.Actors.Membership;
using R2ec.Actors.Runtime;
using R2ec.Training.Actors;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using R2ec.Training.Jobs;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.Cluster;

/// <summary>What one <c>r2ec node</c> process ended with.</summary>
/// <param name="Completed">True when the job completed (the learner's node) or the node left after the job's end or on request.</param>
/// <param name="Job">The job's result, on the learner's node.</param>
/// <param name="Reason">Why the node stopped, for its last log line.</param>
public sealed record NodeResult(bool Completed, JobResult? Job, string Reason);

/// <summary>
/// One process of a multi-process job: the same actors as <c>r2ec train</c>, placed by role on nodes that meet over
/// RabbitMQ (DESIGN.md §2-§3). Every node serves <c>/alive</c>, <c>/ready</c> and <c>/metrics</c>, connects to the
/// broker (retrying until it is reachable), announces itself with its roles and capacity and heartbeats.
/// The learner's node runs the job driver: it serves the blobs other nodes read (HTTP with a bearer token, or a shared
/// directory), drops rollout requests a crashed predecessor left in the pool, waits for
/// <c>Cluster:MinimumRolloutNodes</c> rollout nodes, runs (or resumes) the job, and at the end tells every node on the
/// control topic. Other nodes run their reward actor or rollout workers, fetch blobs by the references in their
/// requests, and leave gracefully on SIGTERM or when the job ends: no new work, in-flight work finished or returned
/// to the pool, a leaving heartbeat, then exit.
/// </summary>
public static class ClusterNode
{
    /// <summary>The membership role whose minimum the learner's node waits for.</summary>
    public const string RolloutRole = "rollout";

    /// <summary>The membership role of the reward actor's node, waited for when it is not the learner's.</summary>
    public const string RewardRole = "reward";

    /// <summary>Runs the node until the job ends, it is asked to leave, or <paramref name="stop"/> fires.</summary>
    /// <param name="options">The job's configuration (every node of a job uses the same).</param>
    /// <param name="data">The dataset, loaded by this node.</param>
    /// <param name="factory">Builds the policy replicas.</param>
    /// <param name="roles">The roles this process holds.</param>
    /// <param name="node">This node's name.</param>
    /// <param name="run">The run directory (required on the learner's node).</param>
    /// <param name="log">The node's logger.</param>
    /// <param name="stop">SIGTERM / Ctrl-C: the learner's node checkpoints at the next step boundary, other nodes drain.</param>
    /// <exception cref="ConfigurationException">The roles, node and configuration disagree.</exception>
    public static async Task<NodeResult> RunAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles, string node,
        RunDirectory? run, ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        NodeRoleNames.Check(roles, node, cluster);
        if (roles.HasFlag(NodeRoles.Learner) && run is null)
            throw new ConfigurationException("the learner's node needs a run directory");
        log = log.ForContext("Node", node);
        var ready = new StrongBox<bool>();
        var metrics = new NodeMetrics();
        metrics.Gauge("r2ec_node_ready", "1 when the node takes work.", () => Volatile.Read(ref ready.Value) ? 1 : 0);
        var tls = TlsFiles.FromEnvironment();
        await using var endpoints = await NodeEndpoints.StartAsync(cluster.EndpointsListen, () => Volatile.Read(ref ready.Value), metrics, tls, stop);
        log.Information("Node {Node} holds roles {Roles}; probes and metrics on {Endpoints}", node, NodeRoleNames.Format(roles), endpoints.BaseAddress);

        await using var fabric = await ConnectAsync(cluster, log, stop);
        var membership = new MembershipOptions
        {
            HeartbeatInterval = TimeSpan.FromSeconds(cluster.HeartbeatSeconds),
            SuspectAfter = TimeSpan.FromSeconds(cluster.SuspectAfterSeconds),
            RemoveAfter = TimeSpan.FromSeconds(cluster.RemoveAfterSeconds),
        };
        return roles.HasFlag(NodeRoles.Learner)
            ? await RunLearnerAsync(options, data, factory, roles, run!, fabric, membership, metrics, ready, tls, log, stop)
            : await RunWorkerAsync(options, data, factory, roles, node, fabric, membership, metrics, ready, log, stop);
    }

    private static async Task<NodeResult> RunLearnerAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles,
        RunDirectory run, RabbitMqFabric fabric, MembershipOptions membership, NodeMetrics metrics, StrongBox<bool> ready, TlsFiles? tls,
        ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        var (publisher, server) = await StartDataPlaneAsync(cluster, metrics, ready, tls, log, stop);
        await using var _ = server;
        var placement = new JobPlacement(cluster.LearnerNode, cluster.RewardNode, roles.HasFlag(NodeRoles.Reward), roles.HasFlag(NodeRoles.Rollout),
            fabric, new WeightStore(publisher, JobContext.SharedKinds, fetcher: null),
            Started: async (system, jobLog, token) =>
            {
                var purged = await fabric.PurgePoolAsync(JobContext.RolloutPool, token);
                if (purged > 0)
                    jobLog.Warning("Dropped {Count} rollout requests an earlier run of this job left in the pool", purged);
                system.Spawn("membership-announcer", HeartbeatAnnouncer.Props(NodeRoleNames.Format(roles), 1, membership));
                // A reward actor in another process must be up too: steps cannot complete without it.
                var minimum = new Dictionary<string, int> { [RolloutRole] = cluster.MinimumRolloutNodes };
                if (!roles.HasFlag(NodeRoles.Reward))
                    minimum[RewardRole] = 1;
                var wanted = membership with { MinimumMembers = minimum };
                var (props, state) = MembershipMonitor.Create(wanted);
                system.Spawn("membership-monitor", props);
                Volatile.Write(ref ready.Value, true);
                jobLog.Information("Waiting up to {Seconds} s for {Minimum} rollout nodes", cluster.StartTimeoutSeconds, cluster.MinimumRolloutNodes);
                try
                {
                    await state.Ready.WaitAsync(TimeSpan.FromSeconds(cluster.StartTimeoutSeconds), token);
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException(
                        $"fewer than Cluster:MinimumRolloutNodes = {cluster.MinimumRolloutNodes} rollout nodes joined within Cluster:StartTimeoutSeconds = {cluster.StartTimeoutSeconds} s");
                }
            },
            Completed: system => system.Resolve(JobContext.ControlTopic)
                .TellAsync(new Shutdown { Reason = "job completed", DrainSeconds = cluster.DrainSeconds }).AsTask(),
            Metrics: metrics);
        var job = new TrainingJob(options, data, factory, run, log, placement)
        {
            StepDone = (stage, _) => metrics.Increment("r2ec_job_steps_total", "Steps completed by this node's job driver.", 1, ("stage", JobStages.Name(stage))),
        };
        try
        {
            var result = await job.RunAsync(stop);
            return new NodeResult(result.Completed, result, result.Completed ? "job completed" : "interrupted at a step boundary");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new NodeResult(false, null, "stopped while waiting for members");
        }
    }

    private static async Task<NodeResult> RunWorkerAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles, string node,
        RabbitMqFabric fabric, MembershipOptions membership, NodeMetrics metrics, StrongBox<bool> ready, ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        var store = new WeightStore(null, new HashSet<string>(), FetcherFor(cluster, log));
        // Tokenizer and incarnation come with each request on this node.
        var job = new JobContext(options, data, store, factory, [], cluster.LearnerNode, cluster.RewardNode, "") { Metrics = metrics };
        await using var system = new ActorSystem(node, new ActorSystemOptions { Seed = options.Run.Seed, Serializer = JobMessages.CreateSerializer() }, log, fabric);
        using var leave = new GracefulLeave(system, TimeSpan.FromSeconds(cluster.DrainSeconds));
        var shutdown = new TaskCompletionSource<Shutdown>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.Spawn("control", new Props(() => new ShutdownListener(shutdown)));
        var capacity = roles.HasFlag(NodeRoles.Rollout) ? options.Rollout.Workers : 1;
        system.Spawn("membership-announcer", HeartbeatAnnouncer.Props(NodeRoleNames.Format(roles), capacity, membership));
        if (roles.HasFlag(NodeRoles.Reward))
            JobActors.SpawnReward(system, job);
        if (roles.HasFlag(NodeRoles.Rollout))
            JobActors.SpawnWorkers(system, job);
        Volatile.Write(ref ready.Value, true);
        log.Information("Node {Node} ready: {Workers} rollout workers, reward actor {Reward}", node,
            roles.HasFlag(NodeRoles.Rollout) ? options.Rollout.Workers : 0, roles.HasFlag(NodeRoles.Reward));

        var stopped = Task.Delay(Timeout.Infinite, stop);
        var first = await Task.WhenAny(shutdown.Task, leave.Left, stopped);
        // Awaited although complete (WhenAny returned it), so no blocking accessor appears in the node's code.
        var reason = first == shutdown.Task ? $"the job driver said: {(await shutdown.Task).Reason}"
            : first == leave.Left ? "asked to leave (signal)"
            : "stopped";
        Volatile.Write(ref ready.Value, false);
        leave.RequestLeave(reason);
        await leave.Left;
        return new NodeResult(true, null, reason);
    }

    /// <summary>Connects to the broker, retrying with backoff while it is unreachable (a pod may start before the broker).</summary>
    private static async Task<RabbitMqFabric> ConnectAsync(ClusterOptions cluster, ILogger log, CancellationToken stop)
    {
        var fabricOptions = new RabbitMqFabricOptions
        {
            HostName = cluster.BrokerHost,
            Port = cluster.BrokerPort,
            VirtualHost = cluster.BrokerVirtualHost,
            Job = cluster.Job,
            UseTls = cluster.BrokerTls,
            TlsServerName = string.IsNullOrEmpty(cluster.BrokerTlsServerName) ? null : cluster.BrokerTlsServerName,
            DeliveryLimit = cluster.DeliveryLimit,
            // Only the credentials come from the environment or mounted secret files; where to connect is configuration.
            Credentials = RabbitMqFabricOptions.FromEnvironment().Credentials,
        };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(cluster.StartTimeoutSeconds);
        var wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await RabbitMqFabric.ConnectAsync(fabricOptions, JobMessages.CreateSerializer(), log, stop);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException && DateTime.UtcNow < deadline)
            {
                log.Warning("Broker {Host}:{Port} not reachable ({Error}); retrying in {Seconds} s", cluster.BrokerHost, cluster.BrokerPort, e.Message, wait.TotalSeconds);
                await Task.Delay(wait, stop);
                wait = TimeSpan.FromSeconds(Math.Min(wait.TotalSeconds * 2, 15));
            }
        }
    }

    private static async Task<(IBlobPublisher Publisher, IAsyncDisposable? Server)> StartDataPlaneAsync(ClusterOptions cluster, NodeMetrics metrics,
        StrongBox<bool> ready, TlsFiles? tls, ILogger log, CancellationToken stop)
    {
        if (cluster.DataPlane == DataPlaneKind.SharedDirectory)
        {
            log.Information("Blobs are published to the shared directory {Directory}", cluster.SharedDirectory);
            return (new SharedDirectoryBlobStore(cluster.SharedDirectory!, cluster.BlobKeepVersions), null);
        }
        var server = await HttpBlobServer.StartAsync(new BlobServerOptions(BearerToken.FromEnvironment())
        {
            ListenUrl = cluster.BlobListen,
            AdvertisedUrl = string.IsNullOrEmpty(cluster.BlobAdvertise) ? null : cluster.BlobAdvertise,
            KeepVersions = cluster.BlobKeepVersions,
            Ready = () => Volatile.Read(ref ready.Value),
            Tls = tls,
            Metrics = metrics,
        }, log, stop);
        return (server, server);
    }

    /// <summary>How this node fetches blobs published by the learner's node.</summary>
    private static IBlobFetcher FetcherFor(ClusterOptions cluster, ILogger log)
    {
        if (cluster.DataPlane == DataPlaneKind.SharedDirectory)
            return new SchemeBlobFetcher(new Dictionary<string, IBlobFetcher> { ["file"] = new SharedDirectoryBlobStore(cluster.SharedDirectory!, cluster.BlobKeepVersions) });
        var http = new HttpBlobFetcher(BearerToken.FromEnvironment(), log: log);
        return new SchemeBlobFetcher(new Dictionary<string, IBlobFetcher> { ["http"] = http, ["https"] = http });
    }
}
