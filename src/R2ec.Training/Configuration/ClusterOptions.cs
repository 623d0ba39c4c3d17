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
/// Settings of <c>r2ec node</c>: the broker, the nodes that hold the fixed roles, membership timing and the data plane.
/// Credentials and the blob token never appear here; they come from the environment or mounted secret files
/// (<c>R2EC_RABBITMQ_USERNAME_FILE</c>, <c>R2EC_BLOB_TOKEN_FILE</c>, …). The single-process <c>r2ec train</c> ignores this section.
/// </summary>
public sealed partial class ClusterOptions
{
    /// <summary>Name prefix of the job's queues and exchanges: jobs on one broker with different names never see each other.</summary>
    [Description("broker name prefix of this job (letters, digits, '.', '_', '-')")]
    public string Job { get; init; } = "r2ec";

    /// <summary>This process's node name; empty means the host name (a StatefulSet pod's name). The <c>--node</c> option overrides it.</summary>
    [Description("this node's name; empty = the host name (a pod's name); --node overrides it")]
    public string? Node { get; init; }

    /// <summary>The node that holds the coordinator, the learner, the item-table builder and the evaluator.</summary>
    [Description("node holding coordinator + learner (+ item-table builder, evaluator)")]
    public string LearnerNode { get; init; } = "r2ec-learner-0";

    /// <summary>The node that holds the reward actor.</summary>
    [Description("node holding the reward actor")]
    public string RewardNode { get; init; } = "r2ec-learner-0";

    /// <summary>Broker host name.</summary>
    [Description("RabbitMQ host")]
    public string BrokerHost { get; init; } = "localhost";

    /// <summary>Broker AMQP port.</summary>
    [Description("RabbitMQ AMQP port (5671 with TLS)")]
    public int BrokerPort { get; init; } = 5672;

    /// <summary>Broker virtual host.</summary>
    [Description("RabbitMQ virtual host")]
    public string BrokerVirtualHost { get; init; } = "/";

    /// <summary>Whether the broker connection uses TLS.</summary>
    [Description("AMQP over TLS")]
    public bool BrokerTls { get; init; }

    /// <summary>Server name checked against the broker's certificate; null means <see cref="BrokerHost"/>.</summary>
    [Description("TLS server name, empty = BrokerHost")]
    public string? BrokerTlsServerName { get; init; }

    /// <summary>Returns of one pool message before it goes to the dead-letter queue.</summary>
    [Description("returns of a pool message before it is dead-lettered")]
    public int DeliveryLimit { get; init; } = 5;

    /// <summary>
    /// Nodes holding the rollout role that must be up before the learner node starts the job (the learner's own node
    /// counts when it holds the role too). A reward node other than the learner's is always waited for as well.
    /// </summary>
    [Description("rollout nodes up before the job starts")]
    public int MinimumRolloutNodes { get; init; } = 1;

    /// <summary>Seconds the learner node waits for <see cref="MinimumRolloutNodes"/> before it gives up.</summary>
    [Description("seconds to wait for the minimum members")]
    public double StartTimeoutSeconds { get; init; } = 600;

    /// <summary>Seconds between a node's heartbeats.</summary>
    [Description("heartbeat interval in seconds")]
    public double HeartbeatSeconds { get; init; } = 1;

    /// <summary>Seconds without a heartbeat before a member is Suspect (logged MemberUnreachable).</summary>
    [Description("seconds without a heartbeat before MemberUnreachable")]
    public double SuspectAfterSeconds { get; init; } = 5;

    /// <summary>Seconds without a heartbeat before a member is Down (logged MemberRemoved); it comes back as a new member.</summary>
    [Description("seconds without a heartbeat before MemberRemoved")]
    public double RemoveAfterSeconds { get; init; } = 20;

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

    /// <summary>Seconds a node that received SIGTERM spends finishing in-flight work before it exits.</summary>
    [Description("seconds to drain in-flight work on SIGTERM")]
    public double DrainSeconds { get; init; } = 30;

    internal void Validate()
    {
        JobOptions.Require(IsName(Job), "Cluster:Job", "must be non-empty and use only letters, digits, '.', '_' and '-'", Job);
        JobOptions.Require(string.IsNullOrEmpty(Node) || IsName(Node), "Cluster:Node", "must be empty or use only letters, digits, '.', '_' and '-'", Node);
        JobOptions.Require(IsName(LearnerNode), "Cluster:LearnerNode", "must be a node name (letters, digits, '.', '_', '-')", LearnerNode);
        JobOptions.Require(IsName(RewardNode), "Cluster:RewardNode", "must be a node name (letters, digits, '.', '_', '-')", RewardNode);
        JobOptions.Require(!string.IsNullOrEmpty(BrokerHost), "Cluster:BrokerHost", "must not be empty", BrokerHost);
        JobOptions.Require(BrokerPort is >= 1 and <= 65535, "Cluster:BrokerPort", "must be a port from 1 to 65535", BrokerPort);
        JobOptions.Require(DeliveryLimit is >= 1 and <= 1000, "Cluster:DeliveryLimit", "must be from 1 to 1000", DeliveryLimit);
        JobOptions.Require(MinimumRolloutNodes >= 0, "Cluster:MinimumRolloutNodes", "must be 0 or positive", MinimumRolloutNodes);
        JobOptions.Require(StartTimeoutSeconds > 0 && double.IsFinite(StartTimeoutSeconds), "Cluster:StartTimeoutSeconds", "must be a positive number", StartTimeoutSeconds);
        JobOptions.Require(HeartbeatSeconds > 0 && double.IsFinite(HeartbeatSeconds), "Cluster:HeartbeatSeconds", "must be a positive number", HeartbeatSeconds);
        JobOptions.Require(SuspectAfterSeconds > HeartbeatSeconds && double.IsFinite(SuspectAfterSeconds), "Cluster:SuspectAfterSeconds",
            $"must exceed Cluster:HeartbeatSeconds ({HeartbeatSeconds})", SuspectAfterSeconds);
        JobOptions.Require(RemoveAfterSeconds > SuspectAfterSeconds && double.IsFinite(RemoveAfterSeconds), "Cluster:RemoveAfterSeconds",
            $"must exceed Cluster:SuspectAfterSeconds ({SuspectAfterSeconds})", RemoveAfterSeconds);
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
