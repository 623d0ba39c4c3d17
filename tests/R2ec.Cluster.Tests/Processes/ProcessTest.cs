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

    /// <summary>
    /// In each of <paramref name="steps"/> (RecPO, 0-based), kills with SIGKILL whichever of <paramref name="workers"/>
    /// first logs a rollout request of that step or later (the request it holds is in flight), and replaces it with a
    /// fresh process (new name, new port, <paramref name="settings"/> on top of the tiny job's), as a Deployment would.
    /// Returns each killed node with the (step, sample) it held.
    /// </summary>
    private protected async Task<List<(Node Node, long Step, long Sample)>> KillWorkersAsync(ClusterRun run, Node[] workers, IEnumerable<int> steps,
        params (string Key, string Value)[] settings)
    {
        var next = workers.Length;
        var killed = new List<(Node Node, long Step, long Sample)>();
        foreach (var step in steps)
        {
            using var others = new CancellationTokenSource();
            var waits = workers.Select(w => w.Process.WaitForLineAsync(l => RequestOf(l) is { } r && r.Step >= step, RunTimeout,
                $"a rollout request of step {step} or later", fresh: true, others.Token)).ToList();
            var first = await Task.WhenAny(waits);
            var victim = waits.IndexOf(first);
            workers[victim].Process.Kill();
            await others.CancelAsync();
            await Task.WhenAll(waits.Where(w => w != first).Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
            var request = RequestOf(await first)!.Value;
            killed.Add((workers[victim], request.Step, request.Sample));
            TestContext.Out.WriteLine($"killed {workers[victim].Process.Name} ({workers[victim].Address}) holding step {request.Step}, sample {request.Sample}");
            workers[victim] = await run.StartWorkerAsync(ClusterRun.WorkerName(next++), settings);
        }
        return killed;
    }
}
