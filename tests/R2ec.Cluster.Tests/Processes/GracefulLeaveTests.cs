namespace R2ec.Cluster.Tests.Processes;

/// <summary>A rollout process that joins the running job, and one asked to leave with SIGTERM mid-run, as Kubernetes does before it deletes a pod.</summary>
public sealed class GracefulLeaveTests : ProcessTest
{
    [Test]
    public async Task A_node_joining_mid_run_gets_work_and_one_sent_SIGTERM_leaves_with_exit_code_0_and_the_run_loses_nothing()
    {
        var reference = TinyJob.Reference;
        var run = NewRun("proc-leave");
        var learner = await run.StartLearnerAsync();
        var leaving = await run.StartWorkerAsync(ClusterRun.WorkerName(0));
        await run.StartWorkerAsync(ClusterRun.WorkerName(1));

        // The cluster is Up and the job running (its warm-up stages) when the third rollout node starts.
        await learner.Process.WaitForLineAsync(l => l.Contains("\"@mt\":\"Job starting in", StringComparison.Ordinal), RunTimeout, "the job's start");
        var late = await run.StartWorkerAsync(ClusterRun.WorkerName(2));
        await late.Process.WaitForLineAsync(l => RequestOf(l) is not null, RunTimeout, "a rollout request on the node that joined mid-run");

        await leaving.Process.WaitForLineAsync(l => RequestOf(l) is { Step: >= 1 }, RunTimeout, "a rollout request of RecPO step 1");
        leaving.Process.Terminate();
        Assert.That(await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(45)), Is.Zero, "a node asked to leave exits 0");
        Assert.That(leaving.Process.Messages("Information"), Has.Some.Contains("leaving"), "the node logs that it leaves");
        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes with the other nodes");

        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        var expected = await reference;
        var seen = run.Events().Where(e => e.Member == leaving.Address).Select(e => e.Kind).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(seen, Does.Contain("MemberRemoved"), "the learner saw it removed");
            Assert.That(seen, Does.Not.Contain("UnreachableMember"), "a leave, not a failure");
            Assert.That(record.Accepted.Count(g => g.Worker.StartsWith(late.Address + "/", StringComparison.Ordinal)), Is.Positive,
                "the node that joined mid-run contributed accepted groups");
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
        });
    }
}
