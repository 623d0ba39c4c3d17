using System.Diagnostics;
using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary><c>kubectl kustomize</c> renders the base and every overlay (where kubectl is installed; the YAML-level checks run everywhere).</summary>
public sealed class KustomizeTests
{
    private static IEnumerable<string> Folders() =>
        Repository.Files.OfKind("Kustomization").Select(k => k.Folder).Where(f => f.StartsWith("k8s/", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(Folders))]
    public async Task Kubectl_renders(string folder)
    {
        var kubectl = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        if (kubectl is null)
            Assert.Ignore("kubectl is not installed");
        var start = new ProcessStartInfo(kubectl, ["kustomize", folder])
        {
            WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await error);
        var rendered = await output;
        Assert.That(rendered, Does.Contain("kind: StatefulSet").And.Contain("kind: Deployment").And.Contain("name: r2ec-learner"));
        // No broker anywhere, the configuration inside the ConfigMap included (its keys went with the broker).
        Assert.That(rendered, Does.Not.Contain("broker").IgnoreCase);
        if (folder == "k8s/overlays/gpu")
            Assert.That(rendered, Does.Contain("nvidia.com/gpu: 1").And.Contain("image: r2ec:cuda"));
    }
}
