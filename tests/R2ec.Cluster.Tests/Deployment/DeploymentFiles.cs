using R2ec.TestSupport;
using YamlDotNet.RepresentationModel;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary>One YAML document of a manifest file, with the file it came from (relative to the repository root).</summary>
internal sealed record Manifest(string File, YamlMappingNode Root)
{
    public string Kind => Root.Text("kind") ?? "";

    public string Name => Root.Text("metadata", "name") ?? "";

    public string Folder => Path.GetDirectoryName(File)!.Replace('\\', '/');

    public override string ToString() => $"{Kind} {Name} ({File})";
}

/// <summary>
/// Every YAML document under <c>k8s/</c>, plus the kustomization beside <c>cluster-config/cluster.json</c>, parsed with
/// YamlDotNet. Built from texts so a test can feed a mutated copy and see a check fail.
/// </summary>
internal sealed class DeploymentFiles
{
    /// <summary>The kustomization that generates the ConfigMap; it must sit beside the file it reads.</summary>
    public const string ConfigKustomization = "cluster-config/kustomization.yaml";

    private readonly IReadOnlyDictionary<string, string> _texts;

    private DeploymentFiles(IReadOnlyDictionary<string, string> texts)
    {
        _texts = texts;
        Manifests = texts.OrderBy(t => t.Key, StringComparer.Ordinal).SelectMany(t => Parse(t.Key, t.Value)).ToList();
    }

    public IReadOnlyList<Manifest> Manifests { get; }

    public IEnumerable<string> Files => _texts.Keys;

    public static DeploymentFiles FromRepository()
    {
        var root = RepoPaths.Root;
        var files = Directory.EnumerateFiles(Path.Combine(root, "k8s"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Append(Path.Combine(root, ConfigKustomization));
        return new DeploymentFiles(files.ToDictionary(
            f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText));
    }

    /// <summary>A copy with one exact text replaced in one file; the text must occur there, so a stale mutation fails loudly.</summary>
    public DeploymentFiles With(string file, string from, string to)
    {
        var text = _texts[file];
        if (!text.Contains(from, StringComparison.Ordinal))
            throw new ArgumentException($"'{from}' does not occur in {file}");
        var texts = _texts.ToDictionary(t => t.Key, t => t.Value);
        texts[file] = text.Replace(from, to, StringComparison.Ordinal);
        return new DeploymentFiles(texts);
    }

    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    /// <summary>The StatefulSets and Deployments of the base (an overlay's patches are not workloads of their own).</summary>
    public IEnumerable<Workload> Workloads => Manifests
        .Where(m => m.Kind is "StatefulSet" or "Deployment" && !m.Folder.StartsWith("k8s/overlays/", StringComparison.Ordinal))
        .Select(m => new Workload(m));

    private static IEnumerable<Manifest> Parse(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
                throw new InvalidDataException($"{file}: a document is not a mapping");
            yield return new Manifest(file, root);
        }
    }
}

/// <summary>A StatefulSet's or Deployment's pod template, seen through the fields the checks read.</summary>
internal sealed record Workload(Manifest Manifest)
{
    public string Name => Manifest.Name;

    public YamlNode? PodSpec => Manifest.Root.Node("spec", "template", "spec");

    public IReadOnlyDictionary<string, string> PodLabels => Manifest.Root.Map("spec", "template", "metadata", "labels");

    public IReadOnlyDictionary<string, string> PodAnnotations => Manifest.Root.Map("spec", "template", "metadata", "annotations");

    public IReadOnlyList<YamlNode> Containers => PodSpec.Items("containers");

    /// <summary>The containers that run <c>r2ec node</c> (the image's entrypoint is the r2ec command).</summary>
    public IEnumerable<YamlNode> NodeContainers => Containers.Where(c => c.Texts("args").FirstOrDefault() == "node");

    /// <summary>A container port by number or by name, as probes and Services name it.</summary>
    public int? ResolvePort(YamlNode container, string? port) =>
        int.TryParse(port, out var number) ? number
        : container.Items("ports").FirstOrDefault(p => p.Text("name") == port).Int("containerPort");

    /// <summary>A port named by a Service's targetPort in any container of the pod.</summary>
    public int? ResolvePort(string? port) =>
        Containers.Select(c => ResolvePort(c, port)).FirstOrDefault(p => p is not null);

    public YamlNode? Volume(string name) => PodSpec.Items("volumes").FirstOrDefault(v => v.Text("name") == name);

    public bool Selects(IReadOnlyDictionary<string, string> selector) =>
        selector.Count > 0 && selector.All(kv => PodLabels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>The arguments of one <c>r2ec node</c> container.</summary>
internal sealed record NodeArguments(IReadOnlyList<string> Roles, string? Config, bool Resume)
{
    public static NodeArguments Of(YamlNode container)
    {
        var args = container.Texts("args");
        string? After(string option) => args.SkipWhile(a => a != option).Skip(1).FirstOrDefault();
        var roles = After("--role")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        return new NodeArguments(roles, After("--config"), args.Contains("--resume"));
    }
}
