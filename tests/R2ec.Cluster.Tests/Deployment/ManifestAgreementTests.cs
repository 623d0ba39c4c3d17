namespace R2ec.Cluster.Tests.Deployment;

/// <summary>The manifests under k8s/ agree with the code's constants and with cluster-config/cluster.json.</summary>
public sealed class ManifestAgreementTests
{
    private static IEnumerable<string> Checks => DeploymentChecks.All.Keys;

    [TestCaseSource(nameof(Checks))]
    public void The_repository_passes(string check) =>
        Assert.That(DeploymentChecks.All[check](Repository.Files, Repository.Options()), Is.Empty);

    [Test]
    public void Every_manifest_file_was_parsed()
    {
        var parsed = Repository.Files.Manifests.Select(m => m.File).Distinct().ToList();
        Assert.That(parsed, Is.EquivalentTo(Repository.Files.Files));
        Assert.That(Repository.Files.Workloads.Select(w => $"{w.Manifest.Kind} {w.Name}"),
            Is.EquivalentTo(new[] { "StatefulSet r2ec-learner", "Deployment r2ec-rollout" }));
        Assert.That(Repository.Files.OfKind("Kustomization").Count(), Is.GreaterThanOrEqualTo(3));
    }
}
