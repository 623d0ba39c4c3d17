using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using Serilog;

namespace R2ec.Training.Actors;

/// <summary>
/// What every actor of the job is built with: read-only configuration and data, the data plane, the policy factory
/// and the job's event log. Nothing in it is mutable state shared between actors (the weight store holds immutable
/// versioned blobs); the actors find each other through the references they are created with.
/// </summary>
/// <param name="Options">The job's configuration.</param>
/// <param name="Data">The dataset, loaded by every node.</param>
/// <param name="Store">This node's view of the data plane.</param>
/// <param name="Factory">Builds policy replicas.</param>
/// <param name="Tokenizer">The tokenizer on the learner's node; empty elsewhere (workers fetch it by the reference in their requests).</param>
/// <param name="Incarnation">This run of the job driver: requests carry it and the coordinator drops groups sampled for another.</param>
/// <param name="Log">The job's event log; each actor tags its events with its <c>ActorPath</c>.</param>
internal sealed record JobContext(
    JobOptions Options,
    TrainingData Data,
    WeightStore Store,
    IPolicyFactory Factory,
    byte[] Tokenizer,
    string Incarnation,
    ILogger Log)
{
    /// <summary>This node's counters for <c>/metrics</c>.</summary>
    public NodeMetrics Metrics { get; init; } = new();

    /// <summary>
    /// True on an Akka.Cluster node: <see cref="WeightsTopic"/> goes through distributed pub-sub to every node's
    /// workers; in one process it goes through the actor system's event stream.
    /// </summary>
    public bool OnCluster { get; init; }

    /// <summary>The distributed pub-sub topic of <c>WeightsPublished</c> (metadata only; the bytes stay on the data plane).</summary>
    public const string WeightsTopic = "r2ec-weights";

    public const string WeightsKind = "weights";
    public const string OptimizerKind = "optimizer";
    public const string ItemsKind = "items";
    public const string TokenizerKind = "tokenizer";

    /// <summary>The dispatcher of the compute-heavy actors (rollout workers, learner, item-table builder, evaluator).</summary>
    public const string ComputeDispatcher = "r2ec-compute-dispatcher";

    /// <summary>The blob kinds other nodes read; optimizer state never leaves the learner's node.</summary>
    public static IReadOnlySet<string> SharedKinds { get; } = new HashSet<string>(StringComparer.Ordinal) { WeightsKind, ItemsKind, TokenizerKind };

    /// <summary>A fresh policy replica with <paramref name="tokenizer"/>, for one actor.</summary>
    public PolicyReplica NewReplica(byte[] tokenizer) => new(Factory.Create(tokenizer, Data, Options.Run.Seed), Store, Options.Learner.MaxStaleness + 1);
}
