using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Remote.Hosting;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using R2ec.Training.Serialization;
using AkkaClusterOptions = Akka.Cluster.Hosting.ClusterOptions;
using ClusterOptions = R2ec.Training.Configuration.ClusterOptions;
using ConfigurationException = R2ec.Training.Configuration.ConfigurationException;

namespace R2ec.Training.Cluster;

/// <summary>
/// Akka.Remote and Akka.Cluster for one <c>r2ec node</c>, derived from the job's <c>Cluster:</c> keys (docs/cluster.md):
/// roles, seed nodes (the learner first), <c>min-nr-of-members</c> per role, failure-detector timing, the split-brain
/// resolver for this job's shape (keep-oldest on the learner role: the learner's side survives a partition), the
/// protobuf serializer bindings and Serilog as Akka's logger.
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>The Akka cluster role of the node that holds the coordinator and the learner (the cluster singleton's role).</summary>
    public const string LearnerRole = "learner";

    /// <summary>The Akka cluster role of rollout nodes (elastic).</summary>
    public const string RolloutRole = "rollout";

    /// <summary>The Akka cluster role of a node holding the reward actor.</summary>
    public const string RewardRole = "reward";

    /// <summary>Environment variable naming the PEM certificate remoting presents when <c>Cluster:RemotingTls</c> is on.</summary>
    public const string TlsCertificateVariable = "R2EC_REMOTING_TLS_CERT_FILE";

    /// <summary>Environment variable naming the PEM private key of <see cref="TlsCertificateVariable"/>.</summary>
    public const string TlsKeyVariable = "R2EC_REMOTING_TLS_KEY_FILE";

    /// <summary>The Akka roles of a process holding <paramref name="roles"/> (the coordinator lives with the learner).</summary>
    public static IReadOnlyList<string> AkkaRoles(NodeRoles roles)
    {
        var names = new List<string>();
        if ((roles & (NodeRoles.Learner | NodeRoles.Coordinator)) != 0)
            names.Add(LearnerRole);
        if (roles.HasFlag(NodeRoles.Rollout))
            names.Add(RolloutRole);
        if (roles.HasFlag(NodeRoles.Reward))
            names.Add(RewardRole);
        return names;
    }

    /// <summary>
    /// The seed node addresses of <c>Cluster:Seeds</c>: <c>akka.tcp://SystemName@host:port</c>, or <c>akka.ssl.tcp://…</c>
    /// with <c>Cluster:RemotingTls</c> (the only transport a TLS node loads).
    /// </summary>
    public static IReadOnlyList<string> SeedAddresses(ClusterOptions cluster)
    {
        var protocol = cluster.RemotingTls ? "akka.ssl.tcp" : "akka.tcp";
        return cluster.SeedEndpoints().Select(s => $"{protocol}://{cluster.SystemName}@{s.Host}:{s.Port.ToString(CultureInfo.InvariantCulture)}").ToList();
    }

    /// <summary>
    /// <c>min-nr-of-members</c> per role: the learner, and <c>Cluster:MinimumRolloutNodes</c> rollout nodes. Joining
    /// members become Up (and the job starts) only when both are met.
    /// </summary>
    public static IReadOnlyDictionary<string, int> MinimumMembers(ClusterOptions cluster) =>
        new Dictionary<string, int> { [LearnerRole] = 1, [RolloutRole] = cluster.MinimumRolloutNodes };

    /// <summary>
    /// The settings Akka.Hosting has no option for: the resolver's <c>stable-after</c>, downing a node that finds
    /// itself removed (it then exits non-zero, see <see cref="ClusterMember"/>), and the process exit left to the node.
    /// </summary>
    public static Config Hocon(ClusterOptions cluster) => ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $$"""
        akka.cluster {
          split-brain-resolver.stable-after = {{cluster.StableAfterSeconds}}s
          run-coordinated-shutdown-when-down = on
        }
        # The node's main loop turns removal into a non-zero exit code; Akka must not end the process itself.
        akka.coordinated-shutdown.exit-clr = off
        # SIGTERM belongs to the node's main loop too (a graceful leave, exit 0): Akka's own hook would run the
        # shutdown first, and the leave would look like a removal.
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.actor.provider = cluster
        """)).WithFallback(AkkaSerialization.Bindings);

    /// <summary>
    /// Configures remoting, clustering, the split-brain resolver, serialization and logging on <paramref name="builder"/>.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder of the node's actor system.</param>
    /// <param name="cluster">The job's <c>Cluster:</c> keys, validated.</param>
    /// <param name="roles">The roles this process holds.</param>
    /// <param name="certificate">Remoting's TLS certificate when <c>Cluster:RemotingTls</c> is on (see <see cref="LoadCertificate"/>).</param>
    public static AkkaConfigurationBuilder Configure(AkkaConfigurationBuilder builder, ClusterOptions cluster, NodeRoles roles, X509Certificate2? certificate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.RemotingTls && certificate is null)
            throw new ConfigurationException($"Cluster:RemotingTls is on but no certificate was given ({TlsCertificateVariable}, {TlsKeyVariable})");
        var heartbeat = TimeSpan.FromSeconds(cluster.HeartbeatSeconds);
        var pause = TimeSpan.FromSeconds(cluster.AcceptableHeartbeatPauseSeconds);
        builder.AddHocon(Hocon(cluster), HoconAddMode.Prepend);
        builder.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
            loggers.LogConfigOnStart = false;
            loggers.ClearLoggers();
            loggers.AddLogger<SerilogLogger>();
        });
        var remote = new RemoteOptions
        {
            HostName = cluster.RemotingHost,
            Port = cluster.RemotingPort,
            PublicHostName = string.IsNullOrEmpty(cluster.PublicHostname) ? System.Net.Dns.GetHostName() : cluster.PublicHostname,
            MaxFrameSize = cluster.MaximumFrameSizeBytes,
            EnableSsl = cluster.RemotingTls,
            // Death watch of remote actors (a rollout worker's Terminated) on the same clock as cluster membership.
            WatchFailureDetector = new PhiAccrualFailureDetectorOptions { HeartbeatInterval = heartbeat, AcceptableHeartbeatPause = pause },
        };
        if (certificate is not null)
        {
            remote.Ssl = new SslOptions
            {
                X509Certificate = certificate,
                SuppressValidation = cluster.RemotingTlsSkipValidation,
                // Peers are reached by pod IPs and DNS names the certificate need not list; the chain is what is checked.
                ValidateCertificateHostname = false,
                RequireMutualAuthentication = true,
            };
        }
        builder.WithRemoting(remote);
        builder.WithClustering(new AkkaClusterOptions
        {
            Roles = [.. AkkaRoles(roles)],
            SeedNodes = [.. SeedAddresses(cluster)],
            MinimumNumberOfMembersPerRole = MinimumMembers(cluster).ToDictionary(),
            FailureDetector = new PhiAccrualFailureDetectorOptions { HeartbeatInterval = heartbeat, AcceptableHeartbeatPause = pause },
            // One learner, many rollout nodes: keep the side with the oldest learner-role member, even when it is alone,
            // so a partition (or the loss of every rollout node) never downs the learner (docs/cluster.md).
            SplitBrainResolver = new KeepOldestOption { Role = LearnerRole, DownIfAlone = false },
        });
        return builder;
    }

    /// <summary>
    /// Remoting's certificate from the PEM files named by <see cref="TlsCertificateVariable"/> and <see cref="TlsKeyVariable"/>
    /// (a mounted Kubernetes TLS secret), or null when <c>Cluster:RemotingTls</c> is off.
    /// </summary>
    /// <exception cref="ConfigurationException">TLS is on and the files are not named or do not exist.</exception>
    public static X509Certificate2? LoadCertificate(ClusterOptions cluster, Func<string, string?>? getEnvironment = null)
    {
        if (!cluster.RemotingTls)
            return null;
        TlsFiles? files;
        try
        {
            files = TlsFiles.FromVariables(TlsCertificateVariable, TlsKeyVariable, getEnvironment);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException($"Cluster:RemotingTls: {e.Message}");
        }
        if (files is null)
            throw new ConfigurationException($"Cluster:RemotingTls is on but {TlsCertificateVariable} and {TlsKeyVariable} do not name the PEM certificate and key");
        try
        {
            // An exportable copy: SslStream on Linux needs the key outside the ephemeral PEM import.
            using var pem = files.Load();
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException($"Cluster:RemotingTls: {e.Message}");
        }
    }
}
