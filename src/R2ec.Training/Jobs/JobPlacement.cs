using R2ec.Training.Blobs;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Jobs;

/// <summary>
/// Where a job driver puts the job's actors: in one process every actor is in this process's actor system.
/// </summary>
/// <param name="HostsReward">Whether this process runs the reward actor.</param>
/// <param name="HostsRollout">Whether this process runs rollout workers.</param>
/// <param name="Store">The node's data plane.</param>
/// <param name="Metrics">The node's counters served on <c>/metrics</c>, or null when nothing serves them.</param>
internal sealed record JobPlacement(bool HostsReward, bool HostsRollout, WeightStore Store, NodeMetrics? Metrics = null)
{
    /// <summary>Every actor in this process.</summary>
    public static JobPlacement SingleProcess() => new(true, true, new WeightStore());
}
