using R2ec.Actors.Addressing;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;

namespace R2ec.Training.Actors;

/// <summary>
/// What every actor of the job is built with: read-only configuration and data, the data plane, the policy factory
/// and the addresses of the other roles. Nothing in it is mutable state shared between actors (the weight store
/// holds immutable versioned blobs).
/// </summary>
internal sealed record JobContext(
    JobOptions Options,
    TrainingData Data,
    WeightStore Store,
    IPolicyFactory Factory,
    byte[] Tokenizer,
    string Node)
{
    public const string WeightsKind = "weights";
    public const string OptimizerKind = "optimizer";
    public const string ItemsKind = "items";

    public ActorAddress Coordinator => new(Node, "/user/coordinator");
    public ActorAddress Learner => new(Node, "/user/learner");
    public ActorAddress Reward => new(Node, "/user/reward");
    public ActorAddress ItemTableBuilder => new(Node, "/user/item-table-builder");
    public ActorAddress Evaluator => new(Node, "/user/evaluator");
    public static ActorAddress RolloutPool => ActorAddress.Pool("rollout");
    public static ActorAddress WeightsTopic => ActorAddress.Topic("weights");

    /// <summary>A fresh policy replica for one actor.</summary>
    public PolicyReplica NewReplica() => new(Factory.Create(Tokenizer, Data, Options.Run.Seed), Store);
}
