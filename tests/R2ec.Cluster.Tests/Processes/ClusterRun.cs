using R2ec.Cluster.Tests.Broker;
using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// One multi-process job of a test: a learner+coordinator+reward process (<c>learner-0</c>) and rollout-worker
/// processes, all <c>r2ec node</c> with the tiny configuration of <see cref="TinyJob"/>, on a job name of their own in
/// a temporary directory. Every process it started is killed when it is disposed; on a failed test their output is
/// written to the test's output and the directory is kept.
/// </summary>
internal sealed class ClusterRun : IDisposable
{
    public const string LearnerNode = "learner-0";
    private const string LearnerRoles = "coordinator,learner,reward";

    private readonly RabbitMqBroker _broker;
    private readonly List<NodeProcess> _processes = [];

    public ClusterRun(RabbitMqBroker broker, string job)
    {
        _broker = broker;
        Job = job;
        Directory = System.IO.Directory.CreateTempSubdirectory($"r2ec-{job}-").FullName;
    }

    public string Job { get; }

    public string Directory { get; }

    /// <summary>The learner's run directory (Run:OutputDirectory/Run:Name, named by configuration).</summary>
    public string RunDirectory => Path.Combine(Directory, "runs", "cluster");

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        // The data plane's bearer token comes from the environment, never from the command line.
        ["R2EC_BLOB_TOKEN"] = "cluster-tests-token",
    };

    /// <summary>Starts the learner's process (<c>--resume</c> continues its run directory).</summary>
    public NodeProcess StartLearner(bool resume = false) =>
        Start(LearnerNode, ["node", "--role", LearnerRoles, "--node", LearnerNode, .. resume ? new[] { "--resume" } : [], .. Arguments()]);

    /// <summary>Starts a rollout-worker process; its Debug log names every rollout request it takes.</summary>
    public NodeProcess StartWorker(string node) =>
        Start(node, ["node", "--role", "rollout", "--node", node, .. Arguments(), "--set", "Logging:MinimumLevel=Debug"]);

    /// <summary>Starts the learner and <paramref name="workers"/> rollout workers named rollout-0, rollout-1, ….</summary>
    public NodeProcess StartJob(int workers = 2)
    {
        var learner = StartLearner();
        for (var i = 0; i < workers; i++)
            StartWorker(WorkerName(i));
        return learner;
    }

    public static string WorkerName(int i) => $"rollout-{i}";

    /// <summary>Every process this run started, the killed ones included.</summary>
    public IReadOnlyList<NodeProcess> Processes => _processes;

    /// <summary>Waits for every process still running to exit (the workers exit when the learner ends the job) and returns the learner's exit code.</summary>
    public async Task<int> WaitForJobAsync(NodeProcess learner, TimeSpan timeout)
    {
        var code = await learner.WaitForExitAsync(timeout);
        foreach (var p in _processes.Where(p => p != learner && !p.HasExited))
            Assert.That(await p.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, $"{p.Name} leaves with exit code 0 when the job ends");
        return code;
    }

    private NodeProcess Start(string name, string[] args)
    {
        var process = NodeProcess.Start(name, args, Environment);
        _processes.Add(process);
        return process;
    }

    private IEnumerable<string> Arguments() =>
        ["--config", Path.Combine(RepoPaths.Root, "cluster-config", "cluster.json"), .. TinyJob.Settings(Path.Combine(Directory, "runs")),
            .. TinyJob.Set(
                ("Cluster:BrokerHost", "127.0.0.1"), ("Cluster:BrokerPort", _broker.AmqpPort.ToString()), ("Cluster:Job", Job),
                ("Cluster:LearnerNode", LearnerNode), ("Cluster:RewardNode", LearnerNode), ("Cluster:MinimumRolloutNodes", "2"),
                ("Cluster:BlobListen", "http://127.0.0.1:0"), ("Cluster:BlobAdvertise", ""), ("Cluster:EndpointsListen", "http://127.0.0.1:0"),
                ("Cluster:StartTimeoutSeconds", "120"))];

    /// <summary>Kills every process, and when the test failed writes their output to the test's output and keeps the directory.</summary>
    public void Dispose()
    {
        foreach (var p in _processes)
            p.Kill();
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (var p in _processes)
                TestContext.Out.WriteLine(p.Tail(120));
            TestContext.Out.WriteLine($"run kept in {Directory}");
        }
        else
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        foreach (var p in _processes)
            p.Dispose();
    }
}
