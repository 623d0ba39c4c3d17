namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// The pipelined mode (<c>Learner:MaxStaleness=1</c>: the requests of step t + 1 go out while step t learns) across a
/// learner and two rollout processes, one of which is killed with SIGKILL while it samples.
/// </summary>
public sealed class PipelinedWorkerCrashTests : ProcessTest
{
    /// <summary>RecPO steps (0-based) in which a rollout node is killed.</summary>
    private static readonly int[] KillSteps = [2, 5];

    [Test]
    public async Task With_lag_one_a_rollout_node_killed_while_it_samples_leaves_every_group_used_exactly_once_and_the_numbers_of_one_process()
    {
        var reference = TinyJob.PipelinedReference;
        var run = NewRun("proc-pipelined-kill");
        var learner = await run.StartLearnerAsync(false, TinyJob.Pipelined);
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => run.StartWorkerAsync(ClusterRun.WorkerName(i), TinyJob.Pipelined)));
        await KillWorkersAsync(run, workers, KillSteps, TinyJob.Pipelined);

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        var lags = record.Metrics.Where(m => m.Stage == "recpo").Select(m => m.Values.GetValueOrDefault("versionLags", "")).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            // Keyed sampling at a fixed lag: the crashes change which process sampled a group, never the group.
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            Assert.That(lags.Skip(1), Is.Not.Empty.And.All.Contains("\"1\"").And.All.Not.Contains("\"0\""), "from step 2 on every group lags one version");
        });
    }
}
