using System.Net;
using R2ec.Cluster.Tests.Support;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>A learner+coordinator+reward process and two rollout processes on Akka.Cluster train the tiny job as one process does.</summary>
public sealed class MultiProcessTrainingTests : ProcessTest
{
    [Test]
    public async Task Three_processes_compute_bitwise_what_one_process_computes_and_ready_waits_for_Up_and_the_policy()
    {
        var reference = TinyJob.Reference;
        var run = NewRun("proc-bitwise");
        var learner = await run.StartLearnerAsync();
        using var http = new HttpClient { BaseAddress = learner.Health, Timeout = TimeSpan.FromSeconds(10) };

        // Alive at once, but not ready: min-nr-of-members (2 rollout nodes) keeps the learner Joining, and it has no policy.
        await Polling.UntilAsync(async () => (await http.GetAsync("alive")).StatusCode == HttpStatusCode.OK, "/alive of the learner", RunTimeout);
        Assert.That((await http.GetAsync("ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "not ready before its rollout nodes joined");
        Assert.That(await http.GetStringAsync("metrics"), Does.Match(@"(?m)^r2ec_node_ready(\{[^}]*\})? 0$"));

        var first = await run.StartWorkerAsync(ClusterRun.WorkerName(0));
        var second = await run.StartWorkerAsync(ClusterRun.WorkerName(1));
        await Polling.UntilAsync(async () => (await http.GetAsync("ready")).StatusCode == HttpStatusCode.OK, "/ready of the learner", RunTimeout);
        var readyAt = DateTime.UtcNow;
        // The node's own "is Up" line: the job's events.jsonl replays the cluster's state only once the job starts.
        var up = await learner.Process.WaitForLineAsync(l => l.Contains("\"@mt\":\"Member {Member} is Up\"", StringComparison.Ordinal), RunTimeout, "that it is Up");
        var upAt = System.Text.Json.JsonDocument.Parse(up).RootElement.GetProperty("@t").GetDateTime().ToUniversalTime();
        var loaded = await learner.Process.WaitForLineAsync(l => l.Contains("\"@mt\":\"Learner's node ready: policy loaded", StringComparison.Ordinal),
            RunTimeout, "that its policy is loaded");
        var loadedAt = System.Text.Json.JsonDocument.Parse(loaded).RootElement.GetProperty("@t").GetDateTime().ToUniversalTime();
        Assert.That(upAt, Is.LessThan(readyAt), "/ready answered 200 only after the member was Up");
        Assert.That(loadedAt, Is.LessThan(readyAt), "/ready answered 200 only after the policy was loaded");
        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the learner's node exits 0 when the job completes");

        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        var expected = await reference;
        Assert.That(expected.Table, Has.Length.EqualTo(8), "header, rule and six methods");
        Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table printed at the end");
        Assert.That(record.MetricDifferences(expected), Is.Empty, "every non-timing value of every metrics line");
        Assert.That(record.AccountingDifferences(expected), Is.Empty);
        Assert.That(record.Accepted.Select(g => g.Worker.Split("/user/")[0]).Distinct().Count(), Is.EqualTo(2), "both rollout processes contributed groups");
        Assert.That(run.Events().Where(e => e.Kind == "MemberUp").Select(e => e.Member), Is.SupersetOf(new[] { learner.Address, first.Address, second.Address }),
            "the run's events.jsonl has every member Up, as structured events");
    }
}
