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
    /// <summary>A bound on one test (a multi-process run of the tiny job and its faults) on a loaded 2-core machine.</summary>
    private static readonly TimeSpan TestBudget = TimeSpan.FromSeconds(240);

    private readonly System.Diagnostics.Stopwatch _clock = new();

    /// <summary>How long a wait of the test may take: what is left of its budget, so a stuck test fails in bounded time.</summary>
    protected TimeSpan RunTimeout => TimeSpan.FromSeconds(Math.Max(1, (TestBudget - _clock.Elapsed).TotalSeconds));

    [SetUp]
    public void StartClock() => _clock.Restart();

    /// <summary>Torn down in order: the runs (their processes) before the private brokers they use.</summary>
    private readonly List<IDisposable> _teardown = [];

    private protected ClusterRun NewRun(RabbitMqBroker broker, string job)
    {
        var run = new ClusterRun(broker, job);
        _teardown.Insert(0, run);
        return run;
    }

    /// <summary>A broker of this test alone, for a test that restarts it.</summary>
    private protected RabbitMqBroker NewBroker()
    {
        var broker = RabbitMqBroker.Start(TimeSpan.FromSeconds(120));
        _teardown.Add(broker);
        return broker;
    }

    [TearDown]
    public void KillProcesses()
    {
        foreach (var item in _teardown)
            item.Dispose();
        _teardown.Clear();
    }
}
