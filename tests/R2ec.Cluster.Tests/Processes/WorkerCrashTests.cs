using System.Text.Json;
using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>Rollout-worker processes killed with SIGKILL while they sample, and restarted under the same node name.</summary>
public sealed class WorkerCrashTests : ProcessTest
{
    /// <summary>RecPO steps (0-based) in which a worker is killed; the steps after the last leave the restarted worker work to do.</summary>
    private static readonly int[] KillSteps = [1, 2, 3];

    [Test]
    public async Task Workers_killed_in_the_middle_of_steps_rejoin_and_every_group_is_used_exactly_once()
    {
        var reference = TinyJob.Reference;
        var run = NewRun(SharedBroker.Instance, "proc-worker-kill");
        var learner = run.StartLearner();
        var workers = Enumerable.Range(0, 2).Select(i => run.StartWorker(ClusterRun.WorkerName(i))).ToArray();

        // Whichever worker first takes a rollout request of the step is killed the moment it logs it: the request it
        // holds is unacknowledged and its step in progress. It is restarted at once under the same node name.
        var kills = new int[workers.Length];
        var killed = new List<(long Step, long Sample)>();
        foreach (var step in KillSteps)
        {
            using var others = new CancellationTokenSource();
            var waits = workers.Select(w => w.WaitForLineAsync(l => RequestOf(l) is { } r && r.Step >= step, RunTimeout,
                $"a rollout request of step {step} or later", fresh: true, others.Token)).ToList();
            var first = await Task.WhenAny(waits);
            var victim = waits.IndexOf(first);
            workers[victim].Kill();
            await others.CancelAsync();
            await Task.WhenAll(waits.Where(w => w != first).Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
            var request = RequestOf(await first)!.Value;
            killed.Add(request);
            kills[victim]++;
            TestContext.Out.WriteLine($"killed {workers[victim].Name} (pid {workers[victim].Id}) holding step {request.Step}, sample {request.Sample}");
            workers[victim] = run.StartWorker(ClusterRun.WorkerName(victim));
        }
        // The last incarnations take work while the job still runs (so they also hear its end).
        foreach (var i in Enumerable.Range(0, workers.Length).Where(i => kills[i] > 0))
            await workers[i].WaitForLineAsync(l => RequestOf(l) is not null, RunTimeout, "a rollout request after its restart");

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        TestContext.Out.WriteLine("learner's warnings and errors:\n" + string.Join('\n', learner.Messages("Warning", "Error")));
        var record = RunRecord.Read(run.RunDirectory, learner.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");

        var ups = record.Membership.Where(m => m.Kind == "MemberUp").ToList();
        Assert.Multiple(() =>
        {
            for (var i = 0; i < workers.Length; i++)
            {
                var node = ClusterRun.WorkerName(i);
                Assert.That(ups.Where(m => m.Node == node).Select(m => m.Incarnation).Distinct().Count(), Is.EqualTo(kills[i] + 1),
                    $"{node} joined once per process started under its name");
                if (kills[i] == 0)
                    continue;
                var rejoined = ups.Last(m => m.Node == node).Index;
                Assert.That(record.Accepted.Count(g => g.Index > rejoined && g.Worker.StartsWith($"r2ec://{node}/", StringComparison.Ordinal)),
                    Is.Positive, $"the restarted {node} contributed accepted groups");
            }
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            // Redeliveries and re-requests are the only trace of the crashes: the numbers are the reference's.
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
        });
        foreach (var (step, sample) in killed)
            TestContext.Out.WriteLine($"step {step}, sample {sample} accepted from " +
                string.Join(", ", record.Accepted.Where(g => g.Step == step && g.Sample == sample).Select(g => g.Worker)));
    }

    /// <summary>The (step, sample) of a worker's "Rollout request" log line (one sample per request); null for other lines.</summary>
    private static (long Step, long Sample)? RequestOf(string line)
    {
        if (!line.Contains("\"@mt\":\"Rollout request: step", StringComparison.Ordinal))
            return null;
        var e = JsonDocument.Parse(line).RootElement;
        return (e.GetProperty("Step").GetInt64(), e.GetProperty("Samples")[0].GetInt64());
    }
}
