using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>Rollout-worker processes killed with SIGKILL while they sample, and restarted under the same node name.</summary>
public sealed class WorkerCrashTests : ProcessTest
{
    [Test]
    public async Task Workers_killed_in_the_middle_of_steps_rejoin_and_every_group_is_used_exactly_once()
    {
        var reference = TinyJob.Reference;
        var run = NewRun(SharedBroker.Instance, "proc-worker-kill");
        var learner = run.StartLearner();
        var workers = new[] { run.StartWorker(ClusterRun.WorkerName(0)), run.StartWorker(ClusterRun.WorkerName(1)) };

        // rollout-0, rollout-1, then rollout-0's second incarnation: each killed the moment it takes a rollout request,
        // so the request it holds is unacknowledged and the step it belongs to is in progress.
        int[] victims = [0, 1, 0];
        var requestsTaken = 0;
        foreach (var victim in victims)
        {
            var request = await workers[victim].WaitForLineAsync(IsRolloutRequest, RunTimeout, "a rollout request");
            workers[victim].Kill();
            requestsTaken++;
            TestContext.Out.WriteLine($"killed {workers[victim].Name} (pid {workers[victim].Id}) on {request}");
            workers[victim] = run.StartWorker(ClusterRun.WorkerName(victim));
        }
        // The last incarnation takes work while the job still runs (it is subscribed to the job's end before it does).
        await workers[0].WaitForLineAsync(IsRolloutRequest, RunTimeout, "a rollout request after its restart");

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        TestContext.Out.WriteLine("learner's warnings and errors:\n" + string.Join('\n', learner.Messages("Warning", "Error")));
        var record = RunRecord.Read(run.RunDirectory, learner.Stdout);
        var expected = await reference;
        Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");

        var ups = record.Membership.Where(m => m.Kind == "MemberUp").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ups.Where(m => m.Node == "rollout-0").Select(m => m.Incarnation).Distinct().Count(), Is.EqualTo(3),
                "rollout-0 joined as three incarnations");
            Assert.That(ups.Where(m => m.Node == "rollout-1").Select(m => m.Incarnation).Distinct().Count(), Is.EqualTo(2),
                "rollout-1 joined as two incarnations");
            var rejoined = ups.Last(m => m.Node == "rollout-1").Index;
            Assert.That(record.Accepted.Count(g => g.Index > rejoined && g.Worker.StartsWith("r2ec://rollout-1/", StringComparison.Ordinal)),
                Is.Positive, "the restarted rollout-1 contributed accepted groups");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            // Redeliveries and re-requests are the only trace of the crashes: the numbers are the reference's.
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
        });
        TestContext.Out.WriteLine($"{requestsTaken} requests held by killed workers; groups dropped as duplicates: " +
            string.Join(", ", record.Metrics.Where(m => m.Values.ContainsKey("groupsDropped")).Select(m => $"step {m.Step}: {m.Values["groupsDropped"]}")));
    }

    private static bool IsRolloutRequest(string line) => line.Contains("\"@mt\":\"Rollout request: step", StringComparison.Ordinal);
}
