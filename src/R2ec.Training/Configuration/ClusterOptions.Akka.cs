using System.ComponentModel;

namespace R2ec.Training.Configuration;

/// <summary>The Akka.Cluster keys of <c>r2ec node</c> (issue 15; docs/cluster.md, "Akka.Cluster").</summary>
public sealed partial class ClusterOptions
{
    /// <summary>Name of the actor system: every node of one job uses the same (it is part of every node's address).</summary>
    [Description("Akka actor system name, the same on every node of a job (letters, digits, '-', '_')")]
    public string SystemName { get; init; } = "r2ec";

    /// <summary>Address Akka.Remote binds to (0.0.0.0: every interface).</summary>
    [Description("Akka.Remote bind address")]
    public string RemotingHost { get; init; } = "0.0.0.0";

    /// <summary>Akka.Remote port (0 picks a free port, for tests).</summary>
    [Description("Akka.Remote port")]
    public int RemotingPort { get; init; } = 2552;

    /// <summary>
    /// The host name other nodes reach this one by; empty means this machine's host name. On Kubernetes the learner
    /// pod uses its stable DNS name and a rollout pod its IP (from the downward API).
    /// </summary>
    [Description("host name other nodes reach this node by; empty = the host name")]
    public string? PublicHostname { get; init; }

    /// <summary>
    /// Seed nodes as comma-separated <c>host:port</c>; the first is the learner, which starts the cluster. On Kubernetes
    /// the learner StatefulSet pod's stable DNS name, so no list is maintained by hand.
    /// </summary>
    [Description("seed nodes, comma-separated host:port (the learner first)")]
    public string Seeds { get; init; } = "r2ec-learner-0.r2ec-learner:2552";

    /// <summary>Seconds a member's heartbeats may pause before the failure detector marks it unreachable.</summary>
    [Description("seconds of missing heartbeats before a member is unreachable")]
    public double AcceptableHeartbeatPauseSeconds { get; init; } = 3;

    /// <summary>Seconds the membership must stay unchanged before the split-brain resolver downs unreachable members.</summary>
    [Description("seconds of stable membership before the split-brain resolver acts")]
    public double StableAfterSeconds { get; init; } = 5;

    /// <summary>Largest remoting message in bytes; a larger message fails at its sender (blobs go over the data plane).</summary>
    [Description("largest remoting message in bytes (at least 32000)")]
    public int MaximumFrameSizeBytes { get; init; } = 128000;

    /// <summary>
    /// Whether remoting uses TLS. The certificate and key are PEM files named by <c>R2EC_REMOTING_TLS_CERT_FILE</c> and
    /// <c>R2EC_REMOTING_TLS_KEY_FILE</c> (a mounted Kubernetes TLS secret), never by configuration or arguments.
    /// </summary>
    [Description("Akka.Remote over TLS (certificate from R2EC_REMOTING_TLS_CERT_FILE / _KEY_FILE)")]
    public bool RemotingTls { get; init; }

    /// <summary>Skips validation of the peers' certificate chains: only for self-signed test certificates.</summary>
    [Description("skip peer certificate validation (self-signed test certificates only)")]
    public bool RemotingTlsSkipValidation { get; init; }

    private void ValidateAkka()
    {
        JobOptions.Require(!string.IsNullOrEmpty(SystemName) && SystemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') && char.IsAsciiLetterOrDigit(SystemName[0]),
            "Cluster:SystemName", "must start with a letter or digit and use only letters, digits, '-' and '_'", SystemName);
        JobOptions.Require(!string.IsNullOrWhiteSpace(RemotingHost), "Cluster:RemotingHost", "must not be empty", RemotingHost);
        JobOptions.Require(RemotingPort is >= 0 and <= 65535, "Cluster:RemotingPort", "must be a port from 0 to 65535", RemotingPort);
        JobOptions.Require(string.IsNullOrEmpty(PublicHostname) || Uri.CheckHostName(PublicHostname) != UriHostNameType.Unknown,
            "Cluster:PublicHostname", "must be empty or a host name or IP address", PublicHostname);
        _ = SeedEndpoints();
        JobOptions.Require(AcceptableHeartbeatPauseSeconds > HeartbeatSeconds && double.IsFinite(AcceptableHeartbeatPauseSeconds),
            "Cluster:AcceptableHeartbeatPauseSeconds", $"must exceed Cluster:HeartbeatSeconds ({HeartbeatSeconds})", AcceptableHeartbeatPauseSeconds);
        JobOptions.Require(StableAfterSeconds > 0 && double.IsFinite(StableAfterSeconds), "Cluster:StableAfterSeconds", "must be a positive number", StableAfterSeconds);
        JobOptions.Require(MaximumFrameSizeBytes >= 32000, "Cluster:MaximumFrameSizeBytes", "must be at least 32000 (Akka.Remote's minimum)", MaximumFrameSizeBytes);
    }

    /// <summary>The seed nodes of <see cref="Seeds"/> as (host, port), in order.</summary>
    /// <exception cref="ConfigurationException">An entry is not <c>host:port</c>.</exception>
    public IReadOnlyList<(string Host, int Port)> SeedEndpoints()
    {
        var seeds = new List<(string, int)>();
        foreach (var entry in (Seeds ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            var host = colon > 0 ? entry[..colon] : "";
            var valid = colon > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown
                && int.TryParse(entry[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                && port is >= 1 and <= 65535;
            JobOptions.Require(valid, "Cluster:Seeds", $"entry '{entry}' must be host:port with a port from 1 to 65535", Seeds);
            seeds.Add((host, int.Parse(entry[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }
        JobOptions.Require(seeds.Count > 0, "Cluster:Seeds", "must name at least one seed node (host:port, the learner first)", Seeds);
        return seeds;
    }
}
