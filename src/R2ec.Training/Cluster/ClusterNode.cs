using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Jobs;
using Serilog;

namespace R2ec.Training.Cluster;

/// <summary>What one <c>r2ec node</c> process ended with.</summary>
/// <param name="Completed">True when the job completed (the learner's node) or the node left after the job's end or on request.</param>
/// <param name="Job">The job's result, on the learner's node.</param>
/// <param name="Reason">Why the node stopped, for its last log line.</param>
public sealed record NodeResult(bool Completed, JobResult? Job, string Reason);

/// <summary>
/// One process of a multi-process job. WORK IN PROGRESS on this branch: the job's actors now run on Akka.NET and node
/// mode moves from RabbitMQ to Akka.Cluster (issue 15); until that lands, <c>r2ec node</c> refuses to start.
/// </summary>
public static class ClusterNode
{
    /// <summary>The membership role whose minimum the learner's node waits for.</summary>
    public const string RolloutRole = "rollout";

    /// <summary>The membership role of the reward actor's node, waited for when it is not the learner's.</summary>
    public const string RewardRole = "reward";

    /// <summary>Refuses: node mode is being moved onto Akka.Cluster.</summary>
    /// <exception cref="ConfigurationException">Always, naming the issue.</exception>
    public static Task<NodeResult> RunAsync(JobOptions options, TrainingData data, IPolicyFactory factory, NodeRoles roles, string node,
        RunDirectory? run, ILogger log, CancellationToken stop) =>
        throw new ConfigurationException("r2ec node is being moved onto Akka.Cluster (issue 15) and is not available in this build; use r2ec train");
}
