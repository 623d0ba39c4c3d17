using System.Collections;
using R2ec.TestSupport;
using R2ec.Training.Configuration;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary>The repository's manifests and cluster-config/cluster.json, loaded once for every deployment test.</summary>
internal static class Repository
{
    public const string ClusterConfig = "cluster-config/cluster.json";

    private static readonly Lazy<DeploymentFiles> LazyFiles = new(DeploymentFiles.FromRepository);

    public static DeploymentFiles Files => LazyFiles.Value;

    /// <summary>cluster.json as the nodes load it, with no environment overrides leaking in from the test machine.</summary>
    public static JobOptions Options(params string[] sets) =>
        JobConfiguration.Load(Path.Combine(RepoPaths.Root, ClusterConfig), sets, new Hashtable());
}
