using R2ec.Actors.Fabric;
using R2ec.Actors.Runtime;
using R2ec.Training.Blobs;
using R2ec.Training.DataPlane;
using Serilog;

namespace R2ec.Training.Jobs;

/// <summary>
/// Where a job driver puts the job's actors and how its node meets the others: in one process every actor is on the
/// node <c>local</c> of a private in-memory fabric; on a cluster the driver runs on the learner's node, whose fabric
/// is the broker, whose store publishes blobs for the other nodes, and which hosts the reward and rollout roles only
/// when the process holds them.
/// </summary>
/// <param name="LearnerNode">The driver's node: coordinator, learner, item-table builder, evaluator.</param>
/// <param name="RewardNode">The node of the reward actor.</param>
/// <param name="HostsReward">Whether this process runs the reward actor.</param>
/// <param name="HostsRollout">Whether this process runs rollout workers.</param>
/// <param name="Fabric">The fabric, or null for a private in-memory one.</param>
/// <param name="Store">The node's data plane.</param>
/// <param name="Started">Runs once the actors are spawned, before the first stage (membership: wait for the workers).</param>
/// <param name="Completed">Runs when the job has completed, before the node's actors stop (tell the other nodes).</param>
/// <param name="Metrics">The node's counters served on <c>/metrics</c>, or null when nothing serves them.</param>
internal sealed record JobPlacement(
    string LearnerNode,
    string RewardNode,
    bool HostsReward,
    bool HostsRollout,
    IFabric? Fabric,
    WeightStore Store,
    Func<ActorSystem, ILogger, CancellationToken, Task>? Started = null,
    Func<ActorSystem, Task>? Completed = null,
    NodeMetrics? Metrics = null)
{
    /// <summary>Node name of the single-process placement.</summary>
    public const string LocalNode = "local";

    /// <summary>Every actor in this process.</summary>
    public static JobPlacement SingleProcess() => new(LocalNode, LocalNode, true, true, null, new WeightStore());
}
