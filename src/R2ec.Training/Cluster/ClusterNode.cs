using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using R2ec.Training.Actors;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using R2ec.Training.Jobs;
using Serilog;
using AkkaCluster = Akka.Cluster.Cluster;

namespace R2ec.Training.Cluster;

/// <summary>What one <c>r2ec node</c> process ended with.</summary>
/// <param name="ExitCode">0 when the job completed or the node left gracefully (the job's end, SIGTERM);
/// <see cref="ClusterMember.RemovedExitCode"/> when the cluster removed the node without its asking.</param>
/// <param name="Job">The job's result, on the learner's node.</param>
/// <param name="Reason">Why the node stopped, for its last log line.</param>
public sealed record NodeResult(int ExitCode, JobResult? Job, string Reason);

/// <summary>
/// One process of a multi-process job on Akka.Cluster (DESIGN.md §2-§5, docs/cluster.md): the same actors as
/// <c>r2ec train</c>, placed by role on the members of one cluster. Every node is a <see cref="ClusterMember"/>
/// (remoting, seed nodes, keep-oldest split-brain resolver, <c>/alive</c>, <c>/ready</c>, <c>/metrics</c>).
/// <para>The learner's node serves the blobs other nodes read (HTTP with a bearer token, or a shared directory),
/// waits until it is Up (<c>min-nr-of-members</c>: the learner and <c>Cluster:MinimumRolloutNodes</c> rollout nodes),
/// then runs (or resumes) the job with the coordinator as the learner role's cluster singleton, and leaves the
/// cluster when the job ends.</para>
/// <para>Other nodes run the reward singleton or rollout workers that pull work from the coordinator through its
/// singleton proxy, fetch blobs by the references in their requests, and leave gracefully when the learner's node
/// has left (the job is over) or on SIGTERM. A node the cluster removes without its asking (downed by the resolver,
/// or every rollout node when the learner's node is lost) exits with <see cref="ClusterMember.RemovedExitCode"/> and
/// never goes on with stale state; its held requests are re-queued by the coordinator on <c>Terminated</c>.</para>
/// </summary>
public static class ClusterNode
{
    /// <summary>Runs the node until the job ends, it is asked to leave, it is removed, or <paramref name="stop"/> fires.</summary>
    /// <param name="options">The job's configuration (every node of a job uses the same).</param>
    /// <param name="data">The dataset, loaded by this node.</param>
    /// <param name="factory">Builds the policy replicas.</param>
    /// <param name="roles">The roles this process holds.</param>
    /// <param name="node">This node's name.</param>
    /// <param name="run">The run directory (required on the learner's node).</param>
    /// <param name="log">The node's logger.</param>
    /// <param name="stop">SIGTERM / Ctrl-C: the learner's node checkpoints at the next step boundary, every node then leaves.</param>
    /// <exception cref="ConfigurationException">The roles, node and configuration disagree, or the node did not join within <c>Cluster:StartTimeoutSeconds</c>.</exception>
    public static async Task<NodeResult> RunAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles, string node,
        RunDirectory? run, ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        NodeRoleNames.Check(roles, node, cluster);
        RemoteFrame.CheckGroupsFit(options);
        var learner = roles.HasFlag(NodeRoles.Learner);
        if (learner && run is null)
            throw new ConfigurationException("the learner's node needs a run directory");
        log = log.ForContext("Node", node);
        var ready = new StrongBox<bool>();
        var metrics = new NodeMetrics();
        metrics.Gauge("r2ec_node_ready", "1 when the node holds its policy (learner) or its workers run (rollout).", () => Volatile.Read(ref ready.Value) ? 1 : 0);
        await using var member = await ClusterMember.StartAsync(cluster, roles, () => Volatile.Read(ref ready.Value), metrics, log,
            akka => akka
                .AddHocon(JobActorSystem.ActorHocon(options), HoconAddMode.Prepend)
                .AddHocon(ClusterSingleton.DefaultConfig(), HoconAddMode.Append)
                .AddHocon(DistributedPubSub.DefaultConfig(), HoconAddMode.Append),
            stop);
        log.Information("Node {Node} holds roles {Roles}; probes and metrics on {Endpoints}", node, NodeRoleNames.Format(roles), member.Endpoints);
        if (await WaitUpAsync(member, cluster, log, stop) is { } early)
            return early;
        return learner
            ? await RunLearnerAsync(options, data, factory, roles, run!, member, metrics, ready, log, stop)
            : await RunWorkerAsync(options, data, factory, roles, node, member, metrics, ready, log, stop);
    }

    /// <summary>
    /// Waits until this member is Up: for every member, until <c>min-nr-of-members</c> per role is met. Returns the
    /// node's result when it ends first (removed, or stopped by a signal), null once Up.
    /// </summary>
    private static async Task<NodeResult?> WaitUpAsync(ClusterMember member, ClusterOptions cluster, ILogger log, CancellationToken stop)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AkkaCluster.Get(member.System).RegisterOnMemberUp(() => up.TrySetResult());
        log.Information("Waiting up to {Seconds} s for the cluster: seeds {Seeds}, at least {Minimum} rollout nodes", cluster.StartTimeoutSeconds,
            cluster.Seeds, cluster.MinimumRolloutNodes);
        var timeout = Task.Delay(TimeSpan.FromSeconds(cluster.StartTimeoutSeconds), stop);
        var first = await Task.WhenAny(up.Task, member.Exited, timeout);
        if (first == up.Task)
        {
            log.Information("Member {Member} is Up", member.Address.ToString());
            return null;
        }
        if (first == member.Exited)
        {
            var exit = await member.Exited;
            return new NodeResult(exit.ExitCode, null, exit.Reason);
        }
        if (stop.IsCancellationRequested)
        {
            var left = await LeaveAsync(member, cluster, log);
            return new NodeResult(left.ExitCode, null, "stopped before the cluster formed");
        }
        throw new ConfigurationException($"not Up in the cluster within Cluster:StartTimeoutSeconds = {cluster.StartTimeoutSeconds} s: " +
            $"check Cluster:Seeds = {cluster.Seeds} and that at least Cluster:MinimumRolloutNodes = {cluster.MinimumRolloutNodes} rollout nodes join");
    }

    private static async Task<NodeResult> RunLearnerAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles,
        RunDirectory run, ClusterMember member, NodeMetrics metrics, StrongBox<bool> ready, ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        var (publisher, server) = await StartDataPlaneAsync(cluster, metrics, ready, log, stop);
        await using var _ = server;
        var placement = new JobPlacement(roles.HasFlag(NodeRoles.Reward), roles.HasFlag(NodeRoles.Rollout),
            new WeightStore(publisher, JobContext.SharedKinds, fetcher: null), metrics, member.System,
            Loaded: () =>
            {
                Volatile.Write(ref ready.Value, true);
                log.Information("Learner's node ready: policy loaded, member {Member} Up", member.Address.ToString());
            });
        var job = new TrainingJob(options, data, factory, run, log, placement)
        {
            StepDone = (stage, _) => metrics.Increment("r2ec_job_steps_total", "Steps completed by this node's job driver.", 1, ("stage", JobStages.Name(stage))),
        };
        // A learner removed from the cluster (an operator's down) stops at once: its asks would wait for actors that are gone.
        using var removed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var running = job.RunAsync(removed.Token);
        if (await Task.WhenAny(running, member.Exited) == member.Exited)
        {
            await removed.CancelAsync();
            var exit = await member.Exited;
            return new NodeResult(exit.ExitCode, null, exit.Reason);
        }
        var result = await running;
        Volatile.Write(ref ready.Value, false);
        var left = await LeaveAsync(member, cluster, log);
        var reason = result.Completed ? "job completed" : "interrupted at a step boundary";
        return new NodeResult(left.ExitCode, result, $"{reason}; {left.Reason}");
    }

    private static async Task<NodeResult> RunWorkerAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles, string node,
        ClusterMember member, NodeMetrics metrics, StrongBox<bool> ready, ILogger log, CancellationToken stop)
    {
        var cluster = options.Cluster;
        var store = new WeightStore(null, new HashSet<string>(), FetcherFor(cluster, log));
        // Tokenizer and incarnation come with each request on this node.
        var job = new JobContext(options, data, store, factory, [], "", log) { Metrics = metrics, OnCluster = true };
        var learnerLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        member.System.ActorOf(Props.Create(() => new LearnerDepartureWatcher(learnerLeft)), "learner-departure");
        var workers = JobActors.SpawnClusterRoles(member.System, job, roles.HasFlag(NodeRoles.Reward), roles.HasFlag(NodeRoles.Rollout));
        Volatile.Write(ref ready.Value, true);
        log.Information("Node {Node} ready: {Workers} rollout workers, reward actor {Reward}", node, workers.Count, roles.HasFlag(NodeRoles.Reward));

        var stopped = Task.Delay(Timeout.Infinite, stop);
        var first = await Task.WhenAny(member.Exited, learnerLeft.Task, stopped);
        if (first == member.Exited)
        {
            var exit = await member.Exited;
            return new NodeResult(exit.ExitCode, null, exit.Reason);
        }
        var why = first == learnerLeft.Task ? "the learner's node left the cluster (the job is over)" : "asked to leave (signal)";
        Volatile.Write(ref ready.Value, false);
        log.Information("Node {Node} leaving: {Reason}", node, why);
        var left = await LeaveAsync(member, cluster, log);
        return new NodeResult(left.ExitCode, null, $"{why}; {left.Reason}");
    }

    /// <summary>Exit code of a node whose graceful leave did not finish within <c>Cluster:DrainSeconds</c> (the CLI's general failure).</summary>
    private const int LeaveTimedOutExitCode = 1;

    /// <summary>Leaves gracefully, waiting at most <c>Cluster:DrainSeconds</c>, so a pod never outlives its grace period.</summary>
    private static async Task<MemberExit> LeaveAsync(ClusterMember member, ClusterOptions cluster, ILogger log)
    {
        var leave = member.LeaveAsync();
        if (await Task.WhenAny(leave, Task.Delay(TimeSpan.FromSeconds(cluster.DrainSeconds))) == leave)
            return await leave;
        log.Warning("The leave did not finish within Cluster:DrainSeconds = {Seconds} s; the node exits and the cluster will find it unreachable", cluster.DrainSeconds);
        return new MemberExit(LeaveTimedOutExitCode, $"the leave did not finish within Cluster:DrainSeconds = {cluster.DrainSeconds} s");
    }

    private static async Task<(IBlobPublisher Publisher, IAsyncDisposable? Server)> StartDataPlaneAsync(ClusterOptions cluster, NodeMetrics metrics,
        StrongBox<bool> ready, ILogger log, CancellationToken stop)
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
            // Blobs are served from the start: the learner's own policy load reads none, and workers ask only after Up.
            Ready = () => true,
            Tls = TlsFiles.FromEnvironment(),
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

/// <summary>
/// Completes when a learner-role member leaves the cluster gracefully (Exiting, then Removed): the job is over, and a
/// rollout or reward node leaves too. A learner that is lost instead (downed) is no such signal: keep-oldest then
/// downs the nodes without it, which exit with <see cref="ClusterMember.RemovedExitCode"/>.
/// </summary>
internal sealed class LearnerDepartureWatcher : ReceiveActor
{
    public LearnerDepartureWatcher(TaskCompletionSource left)
    {
        Receive<Akka.Cluster.ClusterEvent.MemberExited>(e =>
        {
            if (e.Member.HasRole(ClusterBootstrap.LearnerRole))
                left.TrySetResult();
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(e =>
        {
            if (e.Member.HasRole(ClusterBootstrap.LearnerRole) && e.PreviousStatus == Akka.Cluster.MemberStatus.Exiting)
                left.TrySetResult();
        });
        ReceiveAny(_ => { });
    }

    protected override void PreStart() => AkkaCluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(Akka.Cluster.ClusterEvent.MemberExited), typeof(Akka.Cluster.ClusterEvent.MemberRemoved));

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);
}
