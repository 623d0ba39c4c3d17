using System.Collections;
using R2ec.TestSupport;
using R2ec.Training.Configuration;

namespace R2ec.Training.Tests.Configuration;

public sealed class ClusterOptionsTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    [Test]
    public void CommittedClusterJson_LoadsAndValidates()
    {
        var options = JobConfiguration.Load(Path.Combine(RepoPaths.Root, "cluster-config", "cluster.json"), [], NoEnvironment);

        Assert.Multiple(() =>
        {
            Assert.That(options.Cluster.LearnerNode, Is.EqualTo("r2ec-learner-0"));
            Assert.That(options.Cluster.Node, Is.Null.Or.Empty, "the node name comes from the pod's host name");
            Assert.That(options.Cluster.Seeds, Is.EqualTo("r2ec-learner-0.r2ec-learner:2552"), "the learner StatefulSet's stable DNS name seeds the cluster");
            Assert.That(options.Cluster.DataPlane, Is.EqualTo(DataPlaneKind.Http));
        });
    }

    [TestCase("Cluster:HeartbeatSeconds=0", "'Cluster:HeartbeatSeconds' must be a positive number")]
    [TestCase("Cluster:LearnerNode=a/b", "'Cluster:LearnerNode' must be a node name")]
    [TestCase("Cluster:BlobListen=tcp://0.0.0.0:1", "'Cluster:BlobListen' must be an http(s)://host:port URL")]
    [TestCase("Cluster:DataPlane=SharedDirectory", "'Cluster:SharedDirectory' must name a directory")]
    [TestCase("Cluster:BlobKeepVersions=1", "'Cluster:BlobKeepVersions' must be at least 2")]
    [TestCase("Cluster:DataPlane=Ftp", "expected one of Http, SharedDirectory")]
    public void BadClusterSet_FailsWithAMessageNamingTheKey(string set, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, [set], NoEnvironment));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void EmptyValue_ClearsANullableKey_AndLeavesTextKeysNonNull()
    {
        var options = JobConfiguration.Load(null, ["Cluster:BlobAdvertise=", "Logging:File=", "Cluster:Node="], NoEnvironment);

        Assert.That(options.Cluster.BlobAdvertise, Is.Null);
        Assert.That(options.Logging.File, Is.Null);
        Assert.That(options.Cluster.Node, Is.Null);
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, ["Run:Name="], NoEnvironment));
        Assert.That(e!.Message, Does.Contain("'Run:Name' must be a plain file name"));
    }
}
