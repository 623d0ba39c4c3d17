using System.ComponentModel;

namespace R2ec.Training.Configuration;

/// <summary>Where a cluster node's blobs (weights, item tables, tokenizer) travel between processes.</summary>
public enum DataPlaneKind
{
    /// <summary>The learner node serves them over HTTP(S) with a bearer token (DESIGN.md §3).</summary>
    Http,
    /// <summary>The learner node writes them into a directory every node mounts (a Kubernetes volume).</summary>
    SharedDirectory,
}

/// <summary>
/// Settings of <c>r2ec node</c>: the nodes that hold the fixed roles, the Akka.Cluster membership (remoting, seeds,
/// failure detector, split-brain resolver; ClusterOptions.Akka.cs) and the data plane. Secrets never appear here; the
/// blob token and remoting's TLS key come from the environment or mounted files (<c>R2EC_BLOB_TOKEN_FILE</c>,
/// <c>R2EC_REMOTING_TLS_KEY_FILE</c>, …). The single-process <c>r2ec train</c> ignores this section.
/// </summary>
public sealed partial class ClusterOptions
{
    /// <summary>This process's node name; empty means the host name (a StatefulSet pod's name). The <c>--node</c> option overrides it.</summary>
    [Description("this node's name; empty = the host name (a pod's name); --node overrides it")]
    public string? Node { get; init; }

    /// <summary>The node that holds the coordinator, the learner, the item-table builder and the evaluator.</summary>
    [Description("node holding coordinator + learner (+ item-table builder, evaluator)")]
    public string LearnerNode { get; init; } = "r2ec-learner-0";

    /// <summary>The node that holds the reward actor.</summary>
    [Description("node holding the reward actor")]
    public string RewardNode { get; init; } = "r2ec-learner-0";

    /// <summary>
    /// Nodes holding the rollout role that must be up before the learner node starts the job (the learner's own node
    /// counts when it holds the role too). A reward node other than the learner's is always waited for as well.
    /// </summary>
    [Description("rollout nodes up before the job starts")]
    public int MinimumRolloutNodes { get; init; } = 1;

    /// <summary>Seconds the learner node waits for <see cref="MinimumRolloutNodes"/> before it gives up.</summary>
    [Description("seconds to wait for the minimum members")]
    public double StartTimeoutSeconds { get; init; } = 600;

    /// <summary>Seconds between the Akka failure detector's heartbeats (cluster membership and remote death watch).</summary>
    [Description("failure-detector heartbeat interval in seconds")]
    public double HeartbeatSeconds { get; init; } = 1;

    /// <summary>How blobs travel between nodes.</summary>
    [Description("Http or SharedDirectory")]
    public DataPlaneKind DataPlane { get; init; } = DataPlaneKind.Http;

    /// <summary>Where the learner node serves blobs (port 0 picks a free port).</summary>
    [Description("blob server listen URL on the learner node")]
    public string BlobListen { get; init; } = "http://0.0.0.0:8080";

    /// <summary>The blob server's address as other nodes reach it; null means the bound address.</summary>
    [Description("blob server URL other nodes use, empty = bound address")]
    public string? BlobAdvertise { get; init; }

    /// <summary>The directory every node mounts when <see cref="DataPlane"/> is SharedDirectory.</summary>
    [Description("shared blob directory (DataPlane = SharedDirectory)")]
    public string? SharedDirectory { get; init; }

    /// <summary>Versions of each blob kind the learner node keeps serving.</summary>
    [Description("versions of each blob kind kept on the data plane")]
    public int BlobKeepVersions { get; init; } = 2;

    /// <summary>Where every node serves <c>/alive</c>, <c>/ready</c> and <c>/metrics</c> (port 0 picks a free port).</summary>
    [Description("probe and metrics listen URL on every node")]
    public string EndpointsListen { get; init; } = "http://0.0.0.0:8558";

    /// <summary>
    /// Seconds a node that received SIGTERM may take to leave (the learner's node adds its step-boundary checkpoint);
    /// the pods' termination grace period covers it.
    /// </summary>
    [Description("seconds to drain in-flight work on SIGTERM")]
    public double DrainSeconds { get; init; } = 30;

    internal void Validate()
    {
        JobOptions.Require(string.IsNullOrEmpty(Node) || IsName(Node), "Cluster:Node", "must be empty or use only letters, digits, '.', '_' and '-'", Node);
        JobOptions.Require(IsName(LearnerNode), "Cluster:LearnerNode", "must be a node name (letters, digits, '.', '_', '-')", LearnerNode);
        JobOptions.Require(IsName(RewardNode), "Cluster:RewardNode", "must be a node name (letters, digits, '.', '_', '-')", RewardNode);
        JobOptions.Require(MinimumRolloutNodes >= 0, "Cluster:MinimumRolloutNodes", "must be 0 or positive", MinimumRolloutNodes);
        JobOptions.Require(StartTimeoutSeconds > 0 && double.IsFinite(StartTimeoutSeconds), "Cluster:StartTimeoutSeconds", "must be a positive number", StartTimeoutSeconds);
        JobOptions.Require(HeartbeatSeconds > 0 && double.IsFinite(HeartbeatSeconds), "Cluster:HeartbeatSeconds", "must be a positive number", HeartbeatSeconds);
        JobOptions.Require(IsHttpUrl(BlobListen), "Cluster:BlobListen", "must be an http(s)://host:port URL", BlobListen);
        JobOptions.Require(string.IsNullOrEmpty(BlobAdvertise) || IsHttpUrl(BlobAdvertise), "Cluster:BlobAdvertise", "must be empty or an http(s) URL", BlobAdvertise);
        JobOptions.Require(DataPlane != DataPlaneKind.SharedDirectory || !string.IsNullOrEmpty(SharedDirectory), "Cluster:SharedDirectory",
            "must name a directory when Cluster:DataPlane is SharedDirectory", SharedDirectory);
        JobOptions.Require(BlobKeepVersions >= 2, "Cluster:BlobKeepVersions", "must be at least 2 (workers finish the previous version while the next is published)", BlobKeepVersions);
        JobOptions.Require(IsHttpUrl(EndpointsListen), "Cluster:EndpointsListen", "must be an http(s)://host:port URL", EndpointsListen);
        JobOptions.Require(DrainSeconds >= 0 && double.IsFinite(DrainSeconds), "Cluster:DrainSeconds", "must be 0 or positive", DrainSeconds);
        ValidateAkka();
    }

    private static bool IsName(string? name) => !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool IsHttpUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";
}
