using R2ec.Training.Cluster;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>A rollout process frozen with SIGSTOP past the failure detector's threshold, then woken with SIGCONT.</summary>
public sealed class WorkerPauseTests : ProcessTest
{
    [Test]
    public async Task A_stopped_rollout_node_is_downed_its_work_redone_and_it_exits_non_zero_when_it_wakes()
    {
        var reference = TinyJob.Reference;
        var run = NewRun("proc-worker-pause");
        var learner = await run.StartLearnerAsync();
        var paused = await run.StartWorkerAsync(ClusterRun.WorkerName(0));
        await run.StartWorkerAsync(ClusterRun.WorkerName(1));

        await paused.Process.WaitForLineAsync(l => RequestOf(l) is { Step: >= 2 }, RunTimeout, "a rollout request of RecPO step 2");
        paused.Process.Pause();
        await run.EventAsync("UnreachableMember", paused, TimeSpan.FromSeconds(40));
        await run.EventAsync("MemberRemoved", paused, TimeSpan.FromSeconds(40));
        paused.Process.Continue();
        Assert.That(await paused.Process.WaitForExitAsync(TimeSpan.FromSeconds(40)), Is.EqualTo(ClusterMember.RemovedExitCode),
            "a node the resolver downed exits non-zero when it wakes instead of going on with stale state");

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes with the other node");
        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        Assert.Multiple(() =>
        {
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
            Assert.That(record.Accepted.Count(g => g.Worker.StartsWith(paused.Address + "/", StringComparison.Ordinal) && g.Step >= 3), Is.Zero,
                "nothing from the downed node after it was stopped");
        });
    }
}
