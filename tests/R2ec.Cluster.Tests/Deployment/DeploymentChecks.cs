using R2ec.Actors.Fabric.RabbitMq;
using R2ec.TestSupport;
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

    /// <summary>The Secret the RabbitMQ operator creates for a RabbitmqCluster named BrokerHost.</summary>
    public static string BrokerCredentialsSecret(JobOptions options) => options.Cluster.BrokerHost + "-default-user";

    /// <summary>Seconds a pod needs beyond Cluster:DrainSeconds: the checkpoint and the goodbye after the drain.</summary>
    public const int GraceMargin = 15;

    /// <summary>Every check by name, each taking the manifests and the loaded cluster.json.</summary>
    public static IReadOnlyDictionary<string, Func<DeploymentFiles, JobOptions, IEnumerable<string>>> All { get; } =
        new Dictionary<string, Func<DeploymentFiles, JobOptions, IEnumerable<string>>>
        {
            [nameof(KustomizationReferences)] = (f, _) => KustomizationReferences(f),
            [nameof(BrokerAlternatives)] = (f, _) => BrokerAlternatives(f),
            [nameof(ConfigMount)] = (f, _) => ConfigMount(f),
            [nameof(LearnerNode)] = LearnerNode,
            [nameof(NodeNames)] = (f, _) => NodeNames(f),
            [nameof(GoverningServices)] = (f, _) => GoverningServices(f),
            [nameof(Selectors)] = (f, _) => Selectors(f),
            [nameof(Labels)] = (f, _) => Labels(f),
            [nameof(ProbesAndMetrics)] = ProbesAndMetrics,
            [nameof(SecretMounts)] = SecretMounts,
            [nameof(CheckpointVolume)] = CheckpointVolume,
            [nameof(Broker)] = Broker,
            [nameof(CapacityAndShutdown)] = CapacityAndShutdown,
            [nameof(Namespaces)] = (f, _) => Namespaces(f),
        };

    private static readonly string[] KnownRoles = ["coordinator", "learner", "rollout", "reward"];

    private static readonly string[] Components = ["learner", "rollout", "broker"];

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

    /// <summary>The base has no broker; each overlay is the base plus exactly one broker alternative, both offered.</summary>
    public static IEnumerable<string> BrokerAlternatives(DeploymentFiles files)
    {
        var kustomizations = files.OfKind("Kustomization").ToDictionary(k => k.Folder);
        IEnumerable<string> Includes(string folder) => kustomizations.TryGetValue(folder, out var k)
            ? k.Root.Texts("resources").Concat(k.Root.Texts("components"))
                .Select(r => Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(RepoPaths.Root, folder, r))).Replace('\\', '/'))
            : [];
        var brokers = kustomizations.Keys.Where(f => f.StartsWith("k8s/broker/", StringComparison.Ordinal)).ToList();
        foreach (var alternative in new[] { "k8s/broker/operator", "k8s/broker/statefulset" })
        {
            if (!brokers.Contains(alternative))
                yield return $"{alternative}/kustomization.yaml is missing";
        }
        if (Includes("k8s/base").Any(brokers.Contains))
            yield return "k8s/base includes a broker: the two broker alternatives would collide";
        var overlays = kustomizations.Keys.Where(f => f.StartsWith("k8s/overlays/", StringComparison.Ordinal)).ToList();
        foreach (var overlay in overlays)
        {
            var included = Includes(overlay).ToList();
            if (!included.Contains("k8s/base"))
                yield return $"{overlay} does not include k8s/base";
            if (included.Count(brokers.Contains) != 1)
                yield return $"{overlay} includes {included.Count(brokers.Contains)} brokers instead of one";
        }
        foreach (var broker in brokers)
        {
            if (!overlays.Any(o => Includes(o).Contains(broker)))
                yield return $"no overlay deploys {broker}";
        }
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
        foreach (var w in files.Workloads)
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
            if (m.Kind is "StatefulSet" or "RabbitmqCluster" && !Components.Contains(labels.GetValueOrDefault("app.kubernetes.io/component")))
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

    /// <summary>The broker credentials and the blob token are mounted where the code reads them, from Secrets that exist.</summary>
    public static IEnumerable<string> SecretMounts(DeploymentFiles files, JobOptions options)
    {
        var expected = new[]
        {
            (Secret: BrokerCredentialsSecret(options), Folder: RabbitMqFabricOptions.DefaultSecretsDirectory, Keys: new[] { "username", "password" }),
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
        // The blob token and the plain broker's credentials come from templates; the operator creates its own.
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

    /// <summary>Cluster:BrokerHost is the operator's RabbitmqCluster and the plain alternative's Service, on Cluster:BrokerPort.</summary>
    public static IEnumerable<string> Broker(DeploymentFiles files, JobOptions options)
    {
        var cluster = options.Cluster;
        var operatorCluster = files.OfKind("RabbitmqCluster").ToList();
        if (operatorCluster.Count != 1 || operatorCluster[0].Name != cluster.BrokerHost)
            yield return $"the RabbitmqCluster must be named Cluster:BrokerHost '{cluster.BrokerHost}' (its Service takes its name)";
        // The operator's Service serves plain AMQP on 5672 (5671 only with TLS configured on the RabbitmqCluster).
        if (cluster.BrokerTls || cluster.BrokerPort != 5672)
            yield return $"the operator's Service serves plain AMQP on 5672, not Cluster:BrokerPort {cluster.BrokerPort} (TLS {cluster.BrokerTls})";
        var service = files.OfKind("Service").FirstOrDefault(s => s.Name == cluster.BrokerHost && s.Folder == "k8s/broker/statefulset");
        var port = service?.Root.Items("spec", "ports").FirstOrDefault(p => p.Int("port") == cluster.BrokerPort);
        var broker = files.Workloads.FirstOrDefault(w => service is not null && w.Selects(service.Root.Map("spec", "selector")));
        if (port is null || broker is null || broker.ResolvePort(port.Text("targetPort")) != 5672)
            yield return $"k8s/broker/statefulset needs a Service '{cluster.BrokerHost}' whose port {cluster.BrokerPort} reaches RabbitMQ's AMQP port 5672";
        var secretNames = broker?.Containers.SelectMany(c => c.Items("env")).Select(e => e.Text("valueFrom", "secretKeyRef", "name") ?? "").Distinct().ToList() ?? [];
        if (!secretNames.SequenceEqual([BrokerCredentialsSecret(options)]))
            yield return $"the plain broker must take its user from Secret {BrokerCredentialsSecret(options)}, the one the nodes mount";
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
            yield return "no StatefulSet runs the rollout role";
        foreach (var rabbit in files.OfKind("RabbitmqCluster"))
        {
            if (rabbit.Root.Text("spec", "resources", "limits", "memory") is null || rabbit.Root.Text("spec", "resources", "requests", "cpu") is null)
                yield return $"{rabbit}: resources are not set";
        }
    }

    /// <summary>Every namespaced resource lands in the r2ec namespace.</summary>
    public static IEnumerable<string> Namespaces(DeploymentFiles files)
    {
        if (!files.OfKind("Namespace").Any(n => n.Name == Namespace))
            yield return $"no Namespace {Namespace}";
        foreach (var k in files.OfKind("Kustomization").Where(k => k.Folder is "k8s/base" || k.Folder.StartsWith("k8s/broker/", StringComparison.Ordinal)))
        {
            if (k.Root.Text("namespace") != Namespace)
                yield return $"{k.File}: namespace must be {Namespace}";
        }
    }
}
