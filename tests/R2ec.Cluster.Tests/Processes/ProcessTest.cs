using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// Base of the fixtures that start real <c>r2ec</c> processes: the runs a test opens are torn down after it (every
/// process killed, their output shown when it failed). The processes share the machine's cores, so these fixtures
/// never run beside each other.
/// </summary>
[NonParallelizable]
public abstract class ProcessTest
{
    /// <summary>A bound on one multi-process run of the tiny job on a loaded 2-core machine.</summary>
    protected static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(180);

    private readonly List<ClusterRun> _runs = [];

    private protected ClusterRun NewRun(RabbitMqBroker broker, string job)
    {
        var run = new ClusterRun(broker, job);
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
}
