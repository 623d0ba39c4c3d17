using System.Text.Json;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>Rollout processes killed with SIGKILL while they sample, each replaced by a fresh process that joins the running cluster.</summary>
public sealed class WorkerCrashTests : ProcessTest
{
    /// <summary>RecPO steps (0-based) in which a rollout node is killed.</summary>
    private static readonly int[] KillSteps = [1, 3, 5];

    [Test]
    public async Task Rollout_nodes_killed_in_three_steps_are_removed_their_requests_requeued_and_every_group_used_exactly_once()
    {
        var reference = TinyJob.Reference;
        var run = NewRun("proc-worker-kill");
        var learner = await run.StartLearnerAsync();
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => run.StartWorkerAsync(ClusterRun.WorkerName(i))));
        // Whichever node first takes a rollout request of the step is killed the moment it logs it: the request it
        // holds is in flight. A fresh process (new name, new port) replaces it, as a Deployment would.
        var killed = await KillWorkersAsync(run, workers, KillSteps);

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        var requeued = record.Events.Where(e => e.Template.StartsWith("Re-queued the request", StringComparison.Ordinal)).ToList();
        foreach (var e in requeued)
            TestContext.Out.WriteLine($"re-queued: step {e.Text("Step")}, samples {e.Text("Samples")}, worker {e.Text("Worker")}, {e.Text("Why")}");
        Assert.Multiple(() =>
        {
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            // Re-requests and dropped duplicates are the only trace of the crashes: the numbers are the reference's.
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
            foreach (var (node, _, _) in killed)
            {
                Assert.That(run.Events().Where(e => e.Member == node.Address).Select(e => e.Kind),
                    Is.SupersetOf(new[] { "UnreachableMember", "MemberRemoved" }), $"the run's events.jsonl has {node.Process.Name} unreachable, then removed");
            }
            // The coordinator re-queued what the killed nodes held when death watch said Terminated, and only that.
            Assert.That(requeued, Is.Not.Empty, "at least one killed node held a request");
            Assert.That(requeued.Select(e => e.Text("Why")), Is.All.EqualTo("terminated"));
            Assert.That(requeued.Select(e => killed.Any(k => e.Text("Worker").StartsWith(k.Node.Address + "/", StringComparison.Ordinal))), Is.All.True,
                "every re-queued request was held by a killed node");
        });
    }
}
