using R2ec.TestSupport;
using R2ec.Training.Cluster;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary>
/// What the manifests under k8s/ must agree on with the code and with cluster-config/cluster.json. Each check lists
/// the disagreements it finds (empty when all agree), so a test can assert both that the repository passes and that a
/// deliberately broken copy does not.
/// </summary>
internal static class DeploymentChecks
{
    public const string Namespace = "r2ec";
    public const string ConfigMapName = "r2ec-config";
    public const string BlobTokenSecret = "r2ec-blob-token";

    /// <summary>Seconds a pod needs beyond Cluster:DrainSeconds: the checkpoint and the goodbye after the drain.</summary>
    public const int GraceMargin = 15;

    /// <summary>Every check by name, each taking the manifests and the loaded cluster.json.</summary>
    public static IReadOnlyDictionary<string, Func<DeploymentFiles, JobOptions, IEnumerable<string>>> All { get; } =
        new Dictionary<string, Func<DeploymentFiles, JobOptions, IEnumerable<string>>>
        {
            [nameof(KustomizationReferences)] = (f, _) => KustomizationReferences(f),
            [nameof(Overlays)] = (f, _) => Overlays(f),
            [nameof(ConfigMount)] = (f, _) => ConfigMount(f),
            [nameof(LearnerNode)] = LearnerNode,
            [nameof(NodeNames)] = (f, _) => NodeNames(f),
            [nameof(GoverningServices)] = (f, _) => GoverningServices(f),
            [nameof(Selectors)] = (f, _) => Selectors(f),
            [nameof(Labels)] = (f, _) => Labels(f),
            [nameof(ProbesAndMetrics)] = ProbesAndMetrics,
            [nameof(SecretMounts)] = SecretMounts,
            [nameof(CheckpointVolume)] = CheckpointVolume,
            [nameof(Remoting)] = Remoting,
            [nameof(ServiceAccounts)] = (f, _) => ServiceAccounts(f),
            [nameof(GpuOverlay)] = (f, _) => GpuOverlay(f),
            [nameof(CapacityAndShutdown)] = CapacityAndShutdown,
            [nameof(Namespaces)] = (f, _) => Namespaces(f),
        };

    private static readonly string[] KnownRoles = ["coordinator", "learner", "rollout", "reward"];

    private static readonly string[] Components = ["learner", "rollout"];

    /// <summary>Every kustomization's resources, components and generator files exist.</summary>
    public static IEnumerable<string> KustomizationReferences(DeploymentFiles files)
    {
        foreach (var k in files.OfKind("Kustomization"))
        {
            var entries = k.Root.Texts("resources").Concat(k.Root.Texts("components"))
                .Concat(k.Root.Items("configMapGenerator").Concat(k.Root.Items("secretGenerator")).SelectMany(g => g.Texts("files")));
            foreach (var entry in entries)
            {
                var relative = entry.Contains('=') ? entry[(entry.IndexOf('=') + 1)..] : entry;
                var path = Path.GetFullPath(Path.Combine(RepoPaths.Root, k.Folder, relative));
                if (!File.Exists(path) && !File.Exists(Path.Combine(path, "kustomization.yaml")))
                    yield return $"{k.File}: '{entry}' is neither a file nor a folder with a kustomization.yaml";
            }
        }
    }

    /// <summary>
    /// Every overlay is the base plus patches, and nothing deploys a broker or an operator's resource: membership is
    /// Akka.Cluster's (issue 15), so every manifest is one of the plain kinds this job needs and no broker folder comes back.
    /// </summary>
    private static readonly HashSet<string> DeployedKinds =
        ["Kustomization", "Namespace", "ServiceAccount", "Service", "StatefulSet", "Deployment", "PodDisruptionBudget", "ConfigMap", "Secret"];

    public static IEnumerable<string> Overlays(DeploymentFiles files)
    {
        var kustomizations = files.OfKind("Kustomization").ToList();
        var overlays = kustomizations.Where(k => k.Folder.StartsWith("k8s/overlays/", StringComparison.Ordinal)).ToList();
        if (overlays.Count == 0)
            yield return "no overlay under k8s/overlays";
        foreach (var overlay in overlays)
        {
            var included = overlay.Root.Texts("resources").Concat(overlay.Root.Texts("components"))
                .Select(r => Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(RepoPaths.Root, overlay.Folder, r))).Replace('\\', '/')).ToList();
            if (!included.Contains("k8s/base"))
                yield return $"{overlay.File} does not include k8s/base";
            if (included.Any(i => i != "k8s/base"))
                yield return $"{overlay.File} includes {string.Join(", ", included.Where(i => i != "k8s/base"))} besides k8s/base: an overlay only patches the base";
        }
        foreach (var m in files.Manifests.Where(m => !DeployedKinds.Contains(m.Kind) || m.Folder.StartsWith("k8s/broker", StringComparison.Ordinal)))
            yield return $"{m}: kind {m.Kind} is not one this job deploys (no broker or operator resource: the nodes meet through Akka.Cluster)";
    }

    /// <summary>The ConfigMap is generated from cluster-config/cluster.json and mounted where every node's --config points.</summary>
    public static IEnumerable<string> ConfigMount(DeploymentFiles files)
    {
        var generator = files.Manifests.Where(m => m.File == DeploymentFiles.ConfigKustomization)
            .SelectMany(m => m.Root.Items("configMapGenerator")).FirstOrDefault(g => g.Text("name") == ConfigMapName);
        if (generator is null || !generator.Texts("files").SequenceEqual(["cluster.json"]))
        {
            yield return $"{DeploymentFiles.ConfigKustomization} must generate {ConfigMapName} from cluster.json alone";
            yield break;
        }
        if (!files.OfKind("Kustomization").Any(k => k.Folder == "k8s/base" && k.Root.Texts("resources").Contains("../../cluster-config")))
            yield return "k8s/base does not include ../../cluster-config, so the ConfigMap is never generated";
        foreach (var w in files.Workloads)
        {
            foreach (var c in w.NodeContainers)
            {
                var config = NodeArguments.Of(c).Config;
                var mount = c.Items("volumeMounts").FirstOrDefault(m => w.Volume(m.Text("name") ?? "").Text("configMap", "name") == ConfigMapName);
                var expected = mount is null ? null : mount.Text("mountPath") + "/cluster.json";
                if (config is null || config != expected)
                    yield return $"{w.Name}: --config is '{config}' but the ConfigMap's cluster.json is mounted at '{expected}'";
            }
        }
    }

    /// <summary>
    /// The learner node's pod is Cluster:LearnerNode and Cluster:RewardNode, runs the coordinator with the learner, resumes,
    /// and its blob server is reachable at Cluster:BlobAdvertise through its headless Service.
    /// </summary>
    public static IEnumerable<string> LearnerNode(DeploymentFiles files, JobOptions options)
    {
        var cluster = options.Cluster;
        var learners = files.Workloads.Where(w => w.NodeContainers.Any(c => NodeArguments.Of(c).Roles.Contains("learner"))).ToList();
        if (learners.Count != 1)
        {
            yield return $"expected one StatefulSet running the learner role, found {learners.Count}";
            yield break;
        }
        var learner = learners[0];
        var container = learner.NodeContainers.First();
        var args = NodeArguments.Of(container);
        var pod = learner.Name + "-0";
        if (learner.Manifest.Root.Int("spec", "replicas") != 1)
            yield return $"{learner.Name}: the learner StatefulSet must have exactly one replica";
        if (cluster.LearnerNode != pod)
            yield return $"Cluster:LearnerNode is '{cluster.LearnerNode}' but the learner pod is '{pod}'";
        if ((cluster.RewardNode == pod) != args.Roles.Contains("reward"))
            yield return $"Cluster:RewardNode is '{cluster.RewardNode}' but the learner pod '{pod}' runs roles {string.Join(",", args.Roles)}";
        if (!args.Roles.Contains("coordinator"))
            yield return $"{learner.Name}: the coordinator must run in the learner's process";
        if (!args.Resume)
            yield return $"{learner.Name}: without --resume a rescheduled learner starts the job over";

        var serviceName = learner.Manifest.Root.Text("spec", "serviceName");
        var advertise = new Uri(cluster.BlobAdvertise ?? "");
        if (advertise.Host != $"{pod}.{serviceName}")
            yield return $"Cluster:BlobAdvertise host is '{advertise.Host}' but the learner pod's DNS name is '{pod}.{serviceName}'";
        var listen = new Uri(cluster.BlobListen).Port;
        if (learner.ResolvePort(container, "blob") != listen)
            yield return $"{learner.Name}: the container port 'blob' is not Cluster:BlobListen's port {listen}";
        var service = files.OfKind("Service").FirstOrDefault(s => s.Name == serviceName);
        var servicePort = service?.Root.Items("spec", "ports").FirstOrDefault(p => p.Int("port") == advertise.Port);
        if (servicePort is null || learner.ResolvePort(servicePort.Text("targetPort")) != listen)
            yield return $"Service {serviceName}: no port {advertise.Port} (Cluster:BlobAdvertise) leading to the blob server's port {listen}";
    }

    /// <summary>Every node takes its pod's name, so the learner pod is the node Cluster:LearnerNode names.</summary>
    public static IEnumerable<string> NodeNames(DeploymentFiles files)
    {
        var variable = JobConfiguration.EnvironmentPrefix + "Cluster__Node";
        foreach (var w in files.Workloads)
        {
            foreach (var c in w.NodeContainers)
            {
                if (c.Texts("args").Contains("--node"))
                    yield return $"{w.Name}: --node would give every replica the same name";
                var env = c.Items("env").FirstOrDefault(e => e.Text("name") == variable);
                if (env is null || env.Text("valueFrom", "fieldRef", "fieldPath") != "metadata.name")
                    yield return $"{w.Name}: {variable} must come from the pod's metadata.name";
            }
        }
    }

    /// <summary>Every StatefulSet names an existing headless Service that selects its own pods.</summary>
    public static IEnumerable<string> GoverningServices(DeploymentFiles files)
    {
        foreach (var w in files.Workloads.Where(w => w.Manifest.Kind == "StatefulSet"))
        {
            var serviceName = w.Manifest.Root.Text("spec", "serviceName");
            var service = files.OfKind("Service").FirstOrDefault(s => s.Name == serviceName);
            if (service is null)
                yield return $"{w.Name}: serviceName '{serviceName}' names no Service";
            else if (service.Root.Text("spec", "clusterIP") != "None" || !w.Selects(service.Root.Map("spec", "selector")))
                yield return $"{w.Name}: Service {serviceName} must be headless and select the StatefulSet's pods";
        }
    }

    /// <summary>Each StatefulSet's selector matches its pod template; every Service and PDB selects exactly one workload.</summary>
    public static IEnumerable<string> Selectors(DeploymentFiles files)
    {
        var workloads = files.Workloads.ToList();
        foreach (var w in workloads)
        {
            if (!w.Selects(w.Manifest.Root.Map("spec", "selector", "matchLabels")))
                yield return $"{w.Name}: spec.selector does not match the pod template's labels";
        }
        foreach (var m in files.OfKind("Service"))
        {
            var selected = workloads.Where(w => w.Selects(m.Root.Map("spec", "selector"))).ToList();
            if (selected.Count != 1)
                yield return $"{m}: selects {selected.Count} workloads instead of one";
            else
            {
                foreach (var port in m.Root.Items("spec", "ports"))
                {
                    if (selected[0].ResolvePort(port.Text("targetPort") ?? port.Text("port")) is null)
                        yield return $"{m}: port {port.Text("name")} targets '{port.Text("targetPort")}', which {selected[0].Name}'s containers do not expose";
                }
            }
        }
        foreach (var m in files.OfKind("PodDisruptionBudget"))
        {
            var count = workloads.Count(w => w.Selects(m.Root.Map("spec", "selector", "matchLabels")));
            if (count != 1)
                yield return $"{m}: selects {count} workloads instead of one";
        }
    }

    /// <summary>Every resource carries the app.kubernetes.io labels, and every workload a known component.</summary>
    public static IEnumerable<string> Labels(DeploymentFiles files)
    {
        foreach (var m in files.Manifests.Where(m => m.Kind != "Kustomization"))
        {
            var labels = m.Root.Map("metadata", "labels");
            if (labels.GetValueOrDefault("app.kubernetes.io/name") != "r2ec" || labels.GetValueOrDefault("app.kubernetes.io/part-of") != "r2ec")
                yield return $"{m}: lacks app.kubernetes.io/name and part-of r2ec";
            if (m.Kind is "StatefulSet" or "Deployment" && !Components.Contains(labels.GetValueOrDefault("app.kubernetes.io/component")))
                yield return $"{m}: app.kubernetes.io/component must be one of {string.Join(", ", Components)}";
        }
        foreach (var w in files.Workloads)
        {
            var pod = w.PodLabels;
            if (pod.GetValueOrDefault("app.kubernetes.io/part-of") != "r2ec" || !Components.Contains(pod.GetValueOrDefault("app.kubernetes.io/component")))
                yield return $"{w.Name}: the pod template lacks the part-of and component labels";
        }
    }

    /// <summary>Every node serves /alive and /ready on Cluster:EndpointsListen's port, exposed for Prometheus.</summary>
    public static IEnumerable<string> ProbesAndMetrics(DeploymentFiles files, JobOptions options)
    {
        var port = new Uri(options.Cluster.EndpointsListen).Port;
        foreach (var w in files.Workloads)
        {
            foreach (var c in w.NodeContainers)
            {
                foreach (var (probe, path) in new[] { ("livenessProbe", "/alive"), ("readinessProbe", "/ready") })
                {
                    var get = c.Node(probe, "httpGet");
                    if (get.Text("path") != path || w.ResolvePort(c, get.Text("port")) != port)
                        yield return $"{w.Name}: {probe} must GET {path} on port {port} (Cluster:EndpointsListen)";
                }
                if (w.ResolvePort(c, "metrics") != port)
                    yield return $"{w.Name}: no container port named 'metrics' on port {port}";
                var annotations = w.PodAnnotations;
                if (annotations.GetValueOrDefault("prometheus.io/scrape") != "true" || annotations.GetValueOrDefault("prometheus.io/port") != port.ToString()
                    || annotations.GetValueOrDefault("prometheus.io/path") != "/metrics")
                    yield return $"{w.Name}: the prometheus.io annotations must point at /metrics on port {port}";
            }
        }
    }

    /// <summary>The blob token is mounted where the code reads it, from a Secret template that exists.</summary>
    public static IEnumerable<string> SecretMounts(DeploymentFiles files, JobOptions _)
    {
        var expected = new[]
        {
            (Secret: BlobTokenSecret, Folder: Path.GetDirectoryName(BearerToken.DefaultSecretFile)!, Keys: new[] { Path.GetFileName(BearerToken.DefaultSecretFile) }),
        };
        foreach (var w in files.Workloads)
        {
            foreach (var c in w.NodeContainers)
            {
                foreach (var (secret, folder, keys) in expected)
                {
                    var mount = c.Items("volumeMounts").FirstOrDefault(m => m.Text("mountPath") == folder);
                    var volume = w.Volume(mount.Text("name") ?? "");
                    var paths = volume.Items("secret", "items").Select(i => i.Text("path")).ToList();
                    if (volume.Text("secret", "secretName") != secret || (paths.Count > 0 && !keys.All(paths.Contains)))
                        yield return $"{w.Name}: Secret {secret} must be mounted at {folder} with {string.Join(", ", keys)}";
                }
            }
        }
        foreach (var (secret, _, keys) in expected)
        {
            var template = files.OfKind("Secret").FirstOrDefault(s => s.Name == secret);
            var templateKeys = template?.Root.Map("stringData").Keys.Concat(template.Root.Map("data").Keys).ToList() ?? [];
            if (template is null || template.Root.Text("metadata", "namespace") != Namespace || !keys.All(templateKeys.Contains))
                yield return $"no Secret template {secret} in namespace {Namespace} with keys {string.Join(", ", keys)}";
        }
    }

    /// <summary>The learner's checkpoint volume (a volumeClaimTemplate) is mounted at Run:OutputDirectory.</summary>
    public static IEnumerable<string> CheckpointVolume(DeploymentFiles files, JobOptions options)
    {
        foreach (var w in files.Workloads.Where(w => w.NodeContainers.Any(c => NodeArguments.Of(c).Roles.Contains("learner"))))
        {
            var claims = w.Manifest.Root.Items("spec", "volumeClaimTemplates").Select(t => t.Text("metadata", "name")).ToList();
            var mount = w.NodeContainers.First().Items("volumeMounts").FirstOrDefault(m => m.Text("mountPath") == options.Run.OutputDirectory);
            if (mount is null || !claims.Contains(mount.Text("name")))
                yield return $"{w.Name}: no volumeClaimTemplate is mounted at Run:OutputDirectory '{options.Run.OutputDirectory}'";
        }
    }

    /// <summary>
    /// Every node exposes Akka.Remote on Cluster:RemotingPort as port 'remoting' and is reachable by the name it
    /// announces: the learner by its stable DNS name (the first of Cluster:Seeds, published before it is ready through
    /// its headless Service), other pods by their IP.
    /// </summary>
    public static IEnumerable<string> Remoting(DeploymentFiles files, JobOptions options)
    {
        var cluster = options.Cluster;
        var variable = JobConfiguration.EnvironmentPrefix + "Cluster__PublicHostname";
        foreach (var w in files.Workloads)
        {
            foreach (var c in w.NodeContainers)
            {
                if (w.ResolvePort(c, "remoting") != cluster.RemotingPort)
                    yield return $"{w.Name}: no container port named 'remoting' on Cluster:RemotingPort {cluster.RemotingPort}";
                var env = c.Items("env").FirstOrDefault(e => e.Text("name") == variable);
                var learner = NodeArguments.Of(c).Roles.Contains("learner");
                var serviceName = w.Manifest.Root.Text("spec", "serviceName");
                var expected = learner ? $"$({JobConfiguration.EnvironmentPrefix}Cluster__Node).{serviceName}" : null;
                if (learner ? env?.Text("value") != expected : env?.Text("valueFrom", "fieldRef", "fieldPath") != "status.podIP")
                    yield return $"{w.Name}: {variable} must be {(learner ? $"'{expected}', the pod's stable DNS name" : "the pod's IP (status.podIP)")}";
                if (!learner)
                    continue;
                var seed = cluster.SeedEndpoints()[0];
                var pod = w.Name + "-0";
                if (seed.Host != $"{pod}.{serviceName}" || seed.Port != cluster.RemotingPort)
                    yield return $"Cluster:Seeds starts with {seed.Host}:{seed.Port}, not the learner pod's {pod}.{serviceName}:{cluster.RemotingPort}";
                var service = files.OfKind("Service").FirstOrDefault(s => s.Name == serviceName);
                var port = service?.Root.Items("spec", "ports").FirstOrDefault(p => p.Int("port") == seed.Port);
                if (port is null || w.ResolvePort(port.Text("targetPort")) != cluster.RemotingPort)
                    yield return $"Service {serviceName}: no port {seed.Port} leading to the learner's remoting port";
                if (service?.Root.Text("spec", "publishNotReadyAddresses") != "true")
                    yield return $"Service {serviceName}: publishNotReadyAddresses must be true, or the seed does not resolve until the learner is ready";
            }
        }
    }

    /// <summary>
    /// Each workload runs as its own ServiceAccount that exists, mounts no token and is granted nothing: seeds come from
    /// DNS, so no node needs the Kubernetes API.
    /// </summary>
    public static IEnumerable<string> ServiceAccounts(DeploymentFiles files)
    {
        var accounts = files.OfKind("ServiceAccount").ToDictionary(a => a.Name);
        var used = new Dictionary<string, string>();
        foreach (var w in files.Workloads)
        {
            var name = w.PodSpec.Text("serviceAccountName");
            if (name is null || !accounts.TryGetValue(name, out var account))
            {
                yield return $"{w.Name}: serviceAccountName '{name}' names no ServiceAccount";
                continue;
            }
            if (used.TryGetValue(name, out var other))
                yield return $"{w.Name}: shares ServiceAccount {name} with {other}; one per role";
            used[name] = w.Name;
            if (account.Root.Text("automountServiceAccountToken") != "false" || w.PodSpec.Text("automountServiceAccountToken") != "false")
                yield return $"{w.Name}: automountServiceAccountToken must be false on ServiceAccount {name} and the pod";
        }
        foreach (var m in files.Manifests.Where(m => m.Kind is "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding"))
            yield return $"{m}: no node needs Kubernetes API permissions";
    }

    /// <summary>k8s/overlays/gpu gives the learner and the rollout nodes a GPU each on GPU nodes, with the cuda image.</summary>
    public static IEnumerable<string> GpuOverlay(DeploymentFiles files)
    {
        const string folder = "k8s/overlays/gpu";
        var kustomization = files.OfKind("Kustomization").FirstOrDefault(k => k.Folder == folder);
        if (kustomization is null)
        {
            yield return $"{folder}/kustomization.yaml is missing";
            yield break;
        }
        if (!kustomization.Root.Items("images").Any(i => i.Text("name") == "r2ec" && i.Text("newTag") == "cuda"))
            yield return $"{folder}: the image r2ec must get the tag cuda";
        var patches = kustomization.Root.Items("patches").Select(p => p.Text("path")).ToList();
        foreach (var w in files.Workloads)
        {
            var patch = files.Manifests.FirstOrDefault(m => m.Folder == folder && patches.Contains(Path.GetFileName(m.File))
                && m.Kind == w.Manifest.Kind && m.Name == w.Name);
            var spec = patch?.Root.Node("spec", "template", "spec");
            var container = spec.Items("containers").FirstOrDefault(c => c.Text("name") == w.NodeContainers.FirstOrDefault().Text("name"));
            if (container.Text("resources", "limits", "nvidia.com/gpu") is null)
                yield return $"{folder}: no patch sets resources.limits nvidia.com/gpu on {w.Manifest.Kind} {w.Name}";
            if (spec.Map("nodeSelector").Count == 0 || !spec.Items("tolerations").Any(t => t.Text("key") == "nvidia.com/gpu"))
                yield return $"{folder}: {w.Name} needs a nodeSelector and a toleration of nvidia.com/gpu";
        }
    }

    /// <summary>Rollout replicas reach Cluster:MinimumRolloutNodes; every pod outlives Cluster:DrainSeconds; resources everywhere.</summary>
    public static IEnumerable<string> CapacityAndShutdown(DeploymentFiles files, JobOptions options)
    {
        var cluster = options.Cluster;
        foreach (var w in files.Workloads)
        {
            var roles = w.NodeContainers.SelectMany(c => NodeArguments.Of(c).Roles).ToList();
            if (roles.Except(KnownRoles).FirstOrDefault() is { } unknown)
                yield return $"{w.Name}: unknown role '{unknown}'";
            var replicas = w.Manifest.Root.Int("spec", "replicas");
            if (roles.Contains("rollout") && !(replicas >= cluster.MinimumRolloutNodes))
                yield return $"{w.Name}: {replicas} replicas, fewer than Cluster:MinimumRolloutNodes {cluster.MinimumRolloutNodes}";
            var grace = w.PodSpec.Int("terminationGracePeriodSeconds");
            if (roles.Count > 0 && !(grace >= cluster.DrainSeconds + GraceMargin))
                yield return $"{w.Name}: terminationGracePeriodSeconds {grace} does not cover Cluster:DrainSeconds {cluster.DrainSeconds} + {GraceMargin}";
            foreach (var c in w.Containers)
            {
                foreach (var bound in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        if (c.Text("resources", bound, resource) is null)
                            yield return $"{w.Name}/{c.Text("name")}: resources.{bound}.{resource} is not set";
                    }
                }
            }
        }
        if (!files.Workloads.Any(w => w.NodeContainers.Any(c => NodeArguments.Of(c).Roles.Contains("rollout"))))
            yield return "no workload runs the rollout role";
    }

    /// <summary>Every namespaced resource lands in the r2ec namespace.</summary>
    public static IEnumerable<string> Namespaces(DeploymentFiles files)
    {
        if (!files.OfKind("Namespace").Any(n => n.Name == Namespace))
            yield return $"no Namespace {Namespace}";
        foreach (var k in files.OfKind("Kustomization").Where(k => k.Folder is "k8s/base"))
        {
            if (k.Root.Text("namespace") != Namespace)
                yield return $"{k.File}: namespace must be {Namespace}";
        }
    }
}
