using R2ec.Actors.Addressing;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Actors;

/// <summary>
/// What every actor of the job is built with: read-only configuration and data, the data plane, the policy factory
/// and where the other roles live (in one process every role is on one node; on a cluster the coordinator, learner,
/// item-table builder and evaluator are on <paramref name="LearnerNode"/> and the reward actor on
/// <paramref name="RewardNode"/>). Nothing in it is mutable state shared between actors (the weight store holds
/// immutable versioned blobs).
/// </summary>
/// <param name="Options">The job's configuration.</param>
/// <param name="Data">The dataset, loaded by every node.</param>
/// <param name="Store">This node's view of the data plane.</param>
/// <param name="Factory">Builds policy replicas.</param>
/// <param name="Tokenizer">The tokenizer on the learner's node; empty elsewhere (workers fetch it by the reference in their requests).</param>
/// <param name="LearnerNode">The node of the coordinator, learner, item-table builder and evaluator.</param>
/// <param name="RewardNode">The node of the reward actor.</param>
/// <param name="Incarnation">This run of the job driver: requests carry it and the learner drops groups sampled for another.</param>
internal sealed record JobContext(
    JobOptions Options,
    TrainingData Data,
    WeightStore Store,
    IPolicyFactory Factory,
    byte[] Tokenizer,
    string LearnerNode,
    string RewardNode,
    string Incarnation)
{
    /// <summary>This node's counters for <c>/metrics</c>.</summary>
    public NodeMetrics Metrics { get; init; } = new();

    public const string WeightsKind = "weights";
    public const string OptimizerKind = "optimizer";
    public const string ItemsKind = "items";
    public const string TokenizerKind = "tokenizer";

    /// <summary>The blob kinds other nodes read; optimizer state never leaves the learner's node.</summary>
    public static IReadOnlySet<string> SharedKinds { get; } = new HashSet<string>(StringComparer.Ordinal) { WeightsKind, ItemsKind, TokenizerKind };

    public ActorAddress Coordinator => new(LearnerNode, "/user/coordinator");
    public ActorAddress Learner => new(LearnerNode, "/user/learner");
    public ActorAddress Reward => new(RewardNode, "/user/reward");
    public ActorAddress ItemTableBuilder => new(LearnerNode, "/user/item-table-builder");
    public ActorAddress Evaluator => new(LearnerNode, "/user/evaluator");
    public static ActorAddress RolloutPool => ActorAddress.Pool("rollout");
    public static ActorAddress WeightsTopic => ActorAddress.Topic("weights");

    /// <summary>Where the job driver tells every node that the job is over.</summary>
    public static ActorAddress ControlTopic => ActorAddress.Topic("control");

    /// <summary>A fresh policy replica with <paramref name="tokenizer"/>, for one actor.</summary>
    public PolicyReplica NewReplica(byte[] tokenizer) => new(Factory.Create(tokenizer, Data, Options.Run.Seed), Store);
}
