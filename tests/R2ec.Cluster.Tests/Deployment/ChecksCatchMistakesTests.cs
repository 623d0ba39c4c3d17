namespace R2ec.Cluster.Tests.Deployment;

/// <summary>Each agreement check fails on a copy of the manifests (or of the config) broken in the way it guards against.</summary>
public sealed class ChecksCatchMistakesTests
{
    private static IEnumerable<TestCaseData> Mistakes()
    {
        TestCaseData Case(string name, string file, string from, string to, string check, string expected) =>
            new TestCaseData(file, from, to, check, expected).SetName(name);

        const string learner = "k8s/base/learner.yaml";
        const string rollout = "k8s/base/rollout.yaml";
        yield return Case("A wrong blob port", learner, "containerPort: 8080", "containerPort: 8081",
            "LearnerNode", "BlobListen");
        yield return Case("A renamed learner StatefulSet", learner, "name: r2ec-learner\n  labels:\n    app.kubernetes.io/name: r2ec\n    app.kubernetes.io/component: learner\n    app.kubernetes.io/part-of: r2ec\nspec:\n  serviceName",
            "name: learner\n  labels:\n    app.kubernetes.io/name: r2ec\n    app.kubernetes.io/component: learner\n    app.kubernetes.io/part-of: r2ec\nspec:\n  serviceName",
            "LearnerNode", "Cluster:LearnerNode");
        yield return Case("A learner without --resume", learner, "            - --resume\n", "",
            "LearnerNode", "--resume");
        yield return Case("A node named after the machine", rollout, "fieldPath: metadata.name", "fieldPath: spec.nodeName",
            "NodeNames", "R2EC__Cluster__Node");
        yield return Case("A wrong metrics port", rollout, "containerPort: 8558", "containerPort: 8559",
            "ProbesAndMetrics", "Cluster:EndpointsListen");
        yield return Case("A wrong readiness path", learner, "path: /ready", "path: /healthz",
            "ProbesAndMetrics", "/ready");
        yield return Case("A misplaced blob token", rollout, "mountPath: /var/run/secrets/r2ec/blob", "mountPath: /var/run/secrets/blob",
            "SecretMounts", "r2ec-blob-token");
        yield return Case("A misplaced checkpoint volume", learner, "mountPath: /var/lib/r2ec/runs", "mountPath: /data",
            "CheckpointVolume", "Run:OutputDirectory");
        yield return Case("Too few rollout replicas", rollout, "replicas: 3", "replicas: 1",
            "CapacityAndShutdown", "Cluster:MinimumRolloutNodes");
        yield return Case("A grace period shorter than the drain", learner, "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30",
            "CapacityAndShutdown", "Cluster:DrainSeconds");
        yield return Case("A container without limits", rollout, "            limits:\n              cpu: \"2\"\n              memory: 2Gi\n", "",
            "CapacityAndShutdown", "resources.limits.cpu");
        yield return Case("A config path that is not mounted", rollout, "- /etc/r2ec/cluster.json", "- /etc/r2ec/config.json",
            "ConfigMount", "--config");
        yield return Case("A Service selecting no pods", learner, "  selector:\n    app.kubernetes.io/name: r2ec\n    app.kubernetes.io/component: learner\n  ports",
            "  selector:\n    app.kubernetes.io/name: r2ec\n    app.kubernetes.io/component: learners\n  ports",
            "Selectors", "selects 0 workloads");
        yield return Case("A wrong remoting port", rollout, "containerPort: 2552", "containerPort: 2553",
            "Remoting", "Cluster:RemotingPort");
        yield return Case("A learner announcing its IP", learner, "value: $(R2EC__Cluster__Node).r2ec-learner", "value: $(POD_IP)",
            "Remoting", "stable DNS name");
        yield return Case("A seed Service hiding the learner until ready", learner, "publishNotReadyAddresses: true", "publishNotReadyAddresses: false",
            "Remoting", "publishNotReadyAddresses");
        yield return Case("A ServiceAccount that mounts its token", "k8s/base/service-accounts.yaml", "automountServiceAccountToken: false", "automountServiceAccountToken: true",
            "ServiceAccounts", "automountServiceAccountToken");
        yield return Case("Roles sharing a ServiceAccount", rollout, "serviceAccountName: r2ec-rollout", "serviceAccountName: r2ec-learner",
            "ServiceAccounts", "one per role");
        yield return Case("A GPU overlay without GPUs", "k8s/overlays/gpu/gpu-rollout.yaml", "              nvidia.com/gpu: 1\n", "              cpu: \"2\"\n",
            "GpuOverlay", "nvidia.com/gpu");
        yield return Case("A missing kustomization resource", "k8s/base/kustomization.yaml", "  - rollout.yaml", "  - rollouts.yaml",
            "KustomizationReferences", "rollouts.yaml");
        yield return Case("An overlay without the base", "k8s/overlays/gpu/kustomization.yaml", "  - ../../base\n", "  - ../../cluster-config\n",
            "Overlays", "does not include k8s/base");
        yield return Case("A StatefulSet naming a missing Service", learner, "serviceName: r2ec-learner", "serviceName: r2ec-workers",
            "GoverningServices", "names no Service");
        yield return Case("Another namespace", "k8s/base/kustomization.yaml", "namespace: r2ec", "namespace: default",
            "Namespaces", "namespace must be r2ec");
        yield return Case("A missing component label", rollout, "        app.kubernetes.io/component: rollout\n        app.kubernetes.io/part-of: r2ec\n      annotations",
            "        app.kubernetes.io/component: rollout\n      annotations",
            "Labels", "part-of");
    }

    [Test]
    public void Every_check_has_a_mistake_it_catches()
    {
        var covered = Mistakes().Select(m => (string)m.Arguments[3]!).ToHashSet();
        Assert.That(DeploymentChecks.All.Keys.Where(k => !covered.Contains(k)), Is.Empty);
    }

    [TestCaseSource(nameof(Mistakes))]
    public void The_check_names_the_mistake(string file, string from, string to, string checkName, string expected)
    {
        var check = DeploymentChecks.All[checkName];
        var options = Repository.Options();
        Assert.That(check(Repository.Files, options), Is.Empty, "the repository itself must pass this check");
        Assert.That(check(Repository.Files.With(file, from, to), options), Has.Some.Contains(expected));
    }

    [Test]
    public void A_seed_that_is_not_the_learner_pod_fails()
    {
        var options = Repository.Options("Cluster:Seeds=learner-0.r2ec-learner:2552");
        Assert.That(DeploymentChecks.Remoting(Repository.Files, options), Has.Some.Contains("Cluster:Seeds starts with learner-0.r2ec-learner:2552"));
    }

    [Test]
    public void A_broker_resource_fails()
    {
        // A message broker as an operator's custom resource, where the rollout ServiceAccount was.
        var files = Repository.Files.With("k8s/base/service-accounts.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: r2ec-rollout\n",
            "apiVersion: messaging.example.com/v1\nkind: BrokerCluster\nmetadata:\n  name: r2ec-broker\n");
        Assert.That(DeploymentChecks.Overlays(files), Has.Some.Contains("kind BrokerCluster is not one this job deploys"));
    }

    [Test]
    public void A_learner_node_that_is_not_the_learner_pod_fails()
    {
        var options = Repository.Options("Cluster:LearnerNode=learner-0", "Cluster:BlobAdvertise=http://learner-0.r2ec-learner:8080");
        Assert.That(DeploymentChecks.LearnerNode(Repository.Files, options),
            Has.Some.Contains("Cluster:LearnerNode").And.Some.Contains("Cluster:BlobAdvertise"));
    }
}
