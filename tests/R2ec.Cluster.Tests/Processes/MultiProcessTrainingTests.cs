using System.Net;
using System.Text.Json;
using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>A learner+coordinator+reward process and two rollout-worker processes train the tiny job as one process does.</summary>
public sealed class MultiProcessTrainingTests : ProcessTest
{
    [Test]
    public async Task Three_processes_compute_bitwise_what_one_process_computes_and_serve_their_probes()
    {
        var reference = TinyJob.Reference;
        var run = NewRun(SharedBroker.Instance, "proc-bitwise");
        var learner = run.StartLearner();

        // The learner's node is ready (waiting for its rollout nodes) before any worker exists.
        var started = await learner.WaitForLineAsync(l => l.Contains("probes and metrics on"), RunTimeout, "its probe address");
        var endpoints = JsonDocument.Parse(started).RootElement.GetProperty("Endpoints").GetString()!;
        using var http = new HttpClient { BaseAddress = new Uri(endpoints), Timeout = TimeSpan.FromSeconds(30) };
        Assert.That((await http.GetAsync("alive")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ReadyWithinAsync(http, RunTimeout), Is.True, "/ready answers 200 once the learner's node waits for members");
        Assert.That(await http.GetStringAsync("metrics"), Does.Match(@"(?m)^r2ec_node_ready(\{[^}]*\})? 1$"));

        run.StartWorker(ClusterRun.WorkerName(0));
        run.StartWorker(ClusterRun.WorkerName(1));
        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the learner's node exits 0 when the job completes");

        var record = RunRecord.Read(run.RunDirectory, learner.Stdout);
        var expected = await reference;
        Assert.That(expected.Table, Has.Length.EqualTo(7), "header, rule and five methods");
        Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table printed at the end");
        Assert.That(record.MetricDifferences(expected), Is.Empty, "every non-timing value of every metrics line");
        Assert.That(record.AccountingDifferences(expected), Is.Empty);
        Assert.That(record.Accepted.Select(g => g.Worker).Distinct().Count(), Is.EqualTo(2), "both rollout processes contributed groups");
    }

    private static async Task<bool> ReadyWithinAsync(HttpClient http, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if ((await http.GetAsync("ready")).StatusCode == HttpStatusCode.OK)
                return true;
            await Task.Delay(200);
        }
        return false;
    }
}
