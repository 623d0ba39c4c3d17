using System.Text.Json;
using R2ec.Cluster.Tests.AkkaCluster;
using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>A cluster event in the run's events.jsonl (its <c>ClusterEvent</c>, <c>Member</c> and <c>MemberRoles</c> fields).</summary>
internal sealed record ClusterEventLine(string Kind, string Member, string Roles, DateTime At);

/// <summary>
/// One multi-process job of a test on Akka.Cluster: a learner+coordinator+reward process (<c>learner-0</c>, the seed
/// node) and rollout processes, all <c>r2ec node</c> with the tiny configuration of <see cref="TinyJob"/> on free
/// loopback ports, in a temporary directory. Every process it started is killed when it is disposed; on a failed test
/// their output is written to the test's output and the directory is kept.
/// </summary>
internal sealed class ClusterRun : IDisposable
{
    public const string LearnerNode = "learner-0";
    private const string LearnerRoles = "coordinator,learner,reward";

    private readonly List<NodeProcess> _processes = [];
    private readonly (string Key, string Value)[] _settings;

    /// <summary>A run of <paramref name="job"/>; <paramref name="settings"/> go on top of the tiny job's in every process it starts.</summary>
    public ClusterRun(string job, params (string Key, string Value)[] settings)
    {
        Job = job;
        _settings = settings;
        Directory = System.IO.Directory.CreateTempSubdirectory($"r2ec-{job}-").FullName;
        SeedPort = Ports.Free();
    }

    public string Job { get; }

    public string Directory { get; }

    /// <summary>The learner's remoting port: the cluster's seed node, the same for a restarted learner.</summary>
    public int SeedPort { get; }

    /// <summary>The learner's run directory (Run:OutputDirectory/Run:Name, named by configuration).</summary>
    public string RunDirectory => Path.Combine(Directory, "runs", "cluster");

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        // The data plane's bearer token comes from the environment, never from the command line.
        ["R2EC_BLOB_TOKEN"] = "cluster-tests-token",
    };

    /// <summary>
    /// Starts the learner's process on the seed port (<c>--resume</c> continues its run directory), with
    /// <paramref name="settings"/> on top of the tiny job's; returns once it is a member.
    /// </summary>
    public Task<Node> StartLearnerAsync(bool resume = false, params (string Key, string Value)[] settings) =>
        StartAsync(LearnerNode, ["node", "--role", LearnerRoles, "--node", LearnerNode, .. resume ? new[] { "--resume" } : [], .. Arguments(SeedPort),
            .. TinyJob.Set(settings)]);

    /// <summary>
    /// Starts a rollout process on ports the system picks (no two processes race for one); returns once it is a
    /// member, with the address it announced. Its Debug log names every rollout request it takes. <paramref name="settings"/>
    /// go on top of the tiny job's.
    /// </summary>
    public Task<Node> StartWorkerAsync(string node, params (string Key, string Value)[] settings) =>
        StartAsync(node, ["node", "--role", "rollout", "--node", node, .. Arguments(0), "--set", "Logging:MinimumLevel=Debug", .. TinyJob.Set(settings)]);

    public static string WorkerName(int i) => $"rollout-{i}";

    /// <summary>Every process this run started, the killed ones included.</summary>
    public IReadOnlyList<NodeProcess> Processes => _processes;

    /// <summary>Waits for the learner to exit, then for every other process still running (they leave once it has left); returns the learner's exit code.</summary>
    public async Task<int> WaitForJobAsync(Node learner, TimeSpan timeout)
    {
        var code = await learner.Process.WaitForExitAsync(timeout);
        foreach (var p in _processes.Where(p => p != learner.Process && !p.HasExited))
            Assert.That(await p.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, $"{p.Name} leaves with exit code 0 when the job ends");
        return code;
    }

    /// <summary>
    /// The cluster events the learner's job logged to the run's events.jsonl so far, in order (complete lines only:
    /// the file may be read while the job writes it).
    /// </summary>
    public List<ClusterEventLine> Events()
    {
        var path = Path.Combine(RunDirectory, "events.jsonl");
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var events = new List<ClusterEventLine>();
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains("\"ClusterEvent\"", StringComparison.Ordinal) || !line.EndsWith('}'))
                continue;
            var e = JsonDocument.Parse(line).RootElement;
            events.Add(new ClusterEventLine(e.GetProperty("ClusterEvent").GetString()!, e.GetProperty("Member").GetString()!,
                e.GetProperty("MemberRoles").GetString()!, e.GetProperty("@t").GetDateTime().ToUniversalTime()));
        }
        return events;
    }

    /// <summary>Waits until the learner's job has logged <paramref name="kind"/> of <paramref name="subject"/> to events.jsonl.</summary>
    public async Task<ClusterEventLine> EventAsync(string kind, Node subject, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (Events().FirstOrDefault(e => e.Kind == kind && e.Member == subject.Address) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"the learner's events.jsonl has no {kind} of {subject.Process.Name} ({subject.Address}) within {within.TotalSeconds:F0} s");
            await Task.Delay(100);
        }
    }

    private async Task<Node> StartAsync(string name, string[] args)
    {
        var process = NodeProcess.Start(name, args, Environment);
        _processes.Add(process);
        // ClusterMember's first line: the address this member announces and where its probes listen.
        var line = await process.WaitForLineAsync(l => l.Contains("\"@mt\":\"Cluster member {Member} with roles", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "its cluster address");
        var fields = JsonDocument.Parse(line).RootElement;
        return new Node(process, fields.GetProperty("Member").GetString()!, new Uri(fields.GetProperty("Endpoints").GetString()!));
    }

    private IEnumerable<string> Arguments(int remoting) =>
        ["--config", Path.Combine(RepoPaths.Root, "cluster-config", "cluster.json"), .. TinyJob.Settings(Path.Combine(Directory, "runs")),
            .. TinyJob.Set(
                ("Cluster:LearnerNode", LearnerNode), ("Cluster:RewardNode", LearnerNode), ("Cluster:MinimumRolloutNodes", "2"),
                ("Cluster:RemotingHost", "127.0.0.1"), ("Cluster:PublicHostname", "127.0.0.1"), ("Cluster:RemotingPort", remoting.ToString()),
                ("Cluster:Seeds", $"127.0.0.1:{SeedPort}"), ("Cluster:EndpointsListen", "http://127.0.0.1:0"),
                ("Cluster:BlobListen", "http://127.0.0.1:0"), ("Cluster:BlobAdvertise", ""), ("Cluster:StartTimeoutSeconds", "120")),
            .. TinyJob.Set(_settings)];

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

/// <summary>One <c>r2ec node</c> process of a run, with its cluster address and health endpoints.</summary>
internal sealed record Node(NodeProcess Process, string Address, Uri Health);
