using System.Text.Json;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// Base of the fixtures that start real <c>r2ec</c> processes: the runs a test opens are torn down after it (every
/// process killed, their output shown when it failed). The processes share the machine's cores, so these fixtures
/// never run beside each other.
/// </summary>
[NonParallelizable]
public abstract class ProcessTest
{
    /// <summary>A bound on one test (a multi-process run of the tiny job and its faults) on a loaded 2-core machine.</summary>
    private static readonly TimeSpan TestBudget = TimeSpan.FromSeconds(240);

    private readonly System.Diagnostics.Stopwatch _clock = new();
    private readonly List<ClusterRun> _runs = [];

    /// <summary>How long a wait of the test may take: what is left of its budget, so a stuck test fails in bounded time.</summary>
    protected TimeSpan RunTimeout => TimeSpan.FromSeconds(Math.Max(1, (TestBudget - _clock.Elapsed).TotalSeconds));

    [SetUp]
    public void StartClock() => _clock.Restart();

    private protected ClusterRun NewRun(string job, params (string Key, string Value)[] settings)
    {
        var run = new ClusterRun(job, settings);
        _runs.Add(run);
        return run;
    }

    [TearDown]
    public void KillProcesses()
    {
        foreach (var run in _runs)
            run.Dispose();
        _runs.Clear();
    }

    /// <summary>The (step, sample) of a worker's "Rollout request" log line (one sample per request); null for other lines.</summary>
    private protected static (long Step, long Sample)? RequestOf(string line)
    {
        if (!line.Contains("\"@mt\":\"Rollout request: step", StringComparison.Ordinal))
            return null;
        var e = JsonDocument.Parse(line).RootElement;
        return (e.GetProperty("Step").GetInt64(), e.GetProperty("Samples")[0].GetInt64());
    }
}
