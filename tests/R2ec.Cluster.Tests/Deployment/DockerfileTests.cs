using System.Xml.Linq;
using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary>The image the manifests run starts the r2ec command that src/R2ec.Cli builds.</summary>
public sealed class DockerfileTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(RepoPaths.Root, "Dockerfile"));

    [Test]
    public void The_entrypoint_runs_the_cli_assembly_it_publishes()
    {
        var project = XDocument.Load(Path.Combine(RepoPaths.Root, "src", "R2ec.Cli", "R2ec.Cli.csproj"));
        var assembly = project.Descendants("AssemblyName").Single().Value;

        Assert.That(Dockerfile, Does.Contain("dotnet publish src/R2ec.Cli -c Release -o /app"));
        Assert.That(Dockerfile, Does.Contain($"ENTRYPOINT [\"dotnet\", \"/app/{assembly}.dll\"]"));
    }

    [Test]
    public void The_runtime_image_has_kestrel_and_the_non_root_user_the_pods_run_as()
    {
        Assert.That(Dockerfile, Does.Contain("FROM mcr.microsoft.com/dotnet/aspnet:10.0"));
        Assert.That(Dockerfile, Does.Contain("USER $APP_UID"));
        // The aspnet images' APP_UID; the pods' securityContext must name the same user.
        foreach (var workload in Repository.Files.Workloads.Where(w => w.NodeContainers.Any()))
            Assert.That(workload.PodSpec.Int("securityContext", "runAsUser"), Is.EqualTo(1654), workload.Name);
    }

    [Test]
    public void The_torch_backend_is_a_build_argument_on_images_whose_libstdcxx_loads_torchsharp()
    {
        Assert.That(Dockerfile, Does.Contain("ARG TORCH_BACKEND=cpu"));
        Assert.That(Dockerfile, Does.Contain("-p:TorchBackend=${TORCH_BACKEND}"));
        // Ubuntu 24.04: libstdc++ with GLIBCXX_3.4.32, which TorchSharp 0.107's native wrapper asks for.
        Assert.That(Dockerfile, Does.Contain("FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build"));
        Assert.That(Dockerfile, Does.Contain("FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble"));
        Assert.That(Dockerfile, Does.Contain("Directory.Build.targets"), "the build stage needs the targets the projects import");
    }

    [Test]
    public void The_build_context_leaves_out_build_outputs_and_runs()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"));
        Assert.That(ignored, Is.SupersetOf(new[] { ".git", "**/bin/", "**/obj/", "runs/", "TestResults/" }));
    }
}
