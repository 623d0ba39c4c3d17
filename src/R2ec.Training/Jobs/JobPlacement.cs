using R2ec.Training.Blobs;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Jobs;

/// <summary>
/// Where a job driver puts the job's actors: in one process every actor is in this process's actor system; on a
/// cluster's learner node they live in the node's Akka.Cluster system (<paramref name="System"/>), the coordinator and
/// the reward actor as cluster singletons that rollout nodes reach through proxies.
/// </summary>
/// <param name="HostsReward">Whether this process runs the reward actor.</param>
/// <param name="HostsRollout">Whether this process runs rollout workers.</param>
/// <param name="Store">The node's data plane.</param>
/// <param name="Metrics">The node's counters served on <c>/metrics</c>, or null when nothing serves them.</param>
/// <param name="System">The cluster node's actor system, or null for an actor system of the job's own in this process.</param>
/// <param name="Loaded">Called once the learner holds its policy (fresh or restored): the node's readiness.</param>
internal sealed record JobPlacement(bool HostsReward, bool HostsRollout, WeightStore Store, NodeMetrics? Metrics = null,
    Akka.Actor.ActorSystem? System = null, Action? Loaded = null)
{
    /// <summary>Every actor in this process.</summary>
    public static JobPlacement SingleProcess() => new(true, true, new WeightStore());
}
