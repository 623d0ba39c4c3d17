using System.Text.Json;
using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>A rollout-worker process asked to leave with SIGTERM in the middle of a run, as Kubernetes does before it deletes a pod.</summary>
public sealed class GracefulLeaveTests : ProcessTest
{
    [Test]
    public async Task A_worker_that_gets_SIGTERM_drains_leaves_with_exit_code_0_and_the_run_loses_nothing()
    {
        var reference = TinyJob.Reference;
        var run = NewRun(SharedBroker.Instance, "proc-leave");
        var learner = run.StartLearner();
        var leaving = run.StartWorker(ClusterRun.WorkerName(0));
        run.StartWorker(ClusterRun.WorkerName(1));

        await leaving.WaitForLineAsync(l => l.Contains("\"@mt\":\"Rollout request: step", StringComparison.Ordinal)
            && JsonDocument.Parse(l).RootElement.GetProperty("Step").GetInt64() >= 2, RunTimeout, "a rollout request of RecPO step 2");
        leaving.Terminate();

        // Cluster:DrainSeconds (30 in cluster.json) bounds the drain; an idle tiny worker needs far less.
        Assert.That(await leaving.WaitForExitAsync(TimeSpan.FromSeconds(45)), Is.Zero, "a node asked to leave exits 0");
        Assert.That(leaving.Messages("Information"), Has.Some.Contains("leaving"), "the node logs that it leaves and drains");
        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes with the other worker");

        var record = RunRecord.Read(run.RunDirectory, learner.Stdout);
        var expected = await reference;
        var left = record.Membership.Where(m => m.Node == ClusterRun.WorkerName(0)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(left.Select(m => m.Kind), Is.EqualTo(new[] { "MemberUp", "MemberRemoved" }), "the learner saw it join and leave, once");
            Assert.That(record.Events.Where(e => e.Text("MembershipEvent") == "MemberRemoved" && e.Text("Member") == ClusterRun.WorkerName(0))
                .Select(e => e.Text("Reason")), Is.EqualTo(new[] { "left" }), "removed because it said it left, not after a heartbeat deadline");
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
        });
    }
}
