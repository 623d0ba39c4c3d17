namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// The load test's fault (issue 18, tests/bench/cluster-scale.py --kill-node) bounded for CI: three rollout processes of
/// a hundred simulated workers each (<c>Engine:Backend=Toy</c>, each group held 200 ms as a GPU would hold it) against
/// the real coordinator, reward actor and learner; one process is killed with SIGKILL while its workers hold requests.
/// </summary>
public sealed class ScaleKillTests : ProcessTest
{
    private const int Nodes = 3;
    private const int WorkersPerNode = 100;
    private const int Steps = 4;
    private const int UsersPerStep = 600;
    private const int KillStep = 1;

    /// <summary>A bound on kill → every request it held re-queued and its group accepted from another node (failure detection included).</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_rollout_process_of_a_hundred_workers_killed_mid_step_has_every_request_requeued_and_every_group_accepted_once()
    {
        var run = NewRun("proc-scale-kill",
            ("Engine:Backend", "Toy"), ("Engine:ToySampleMilliseconds", "200"),
            ("Stages:LmWarmupSteps", "0"), ("Stages:RecWarmupSteps", "0"), ("Stages:RecPOSteps", Steps.ToString()),
            ("Learner:UsersPerStep", UsersPerStep.ToString()), ("Learner:MiniBatchSize", "4096"), ("Learner:StepDeadlineSeconds", "60"),
            ("Data:SyntheticUsers", (UsersPerStep * Steps + 100).ToString()), ("Schedule:CheckpointInterval", "100"),
            ("Rollout:Workers", WorkersPerNode.ToString()), ("Rollout:MaxNewTokens", "8"), ("Cluster:MinimumRolloutNodes", Nodes.ToString()));
        var learner = await run.StartLearnerAsync();
        var workers = await Task.WhenAll(Enumerable.Range(0, Nodes).Select(i => run.StartWorkerAsync(ClusterRun.WorkerName(i))));

        // The first node to log a request of the kill step dies then: its hundred workers hold up to a hundred requests.
        using var others = new CancellationTokenSource();
        var waits = workers.Select(w => w.Process.WaitForLineAsync(l => RequestOf(l) is { } r && r.Step >= KillStep, RunTimeout,
            $"a rollout request of step {KillStep} or later", fresh: false, others.Token)).ToList();
        var first = await Task.WhenAny(waits);
        var victim = workers[waits.IndexOf(first)];
        var killedAt = DateTime.UtcNow;
        victim.Process.Kill();
        await others.CancelAsync();
        await Task.WhenAll(waits.Where(w => w != first).Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
        TestContext.Out.WriteLine($"killed {victim.Process.Name} ({victim.Address}) at {killedAt:O}");

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        var accepted = record.Accepted.ToList();
        var requeued = record.Events.Where(e => e.Template.StartsWith("Re-queued the request", StringComparison.Ordinal)).ToList();
        var requeuedSamples = requeued.SelectMany(e => Samples(e).Select(s => (Step: e.Number("Step"), Sample: s))).ToHashSet();
        var retaken = accepted.Where(g => requeuedSamples.Contains((g.Step, g.Sample))).ToList();
        var onVictim = (string worker) => worker.StartsWith(victim.Address + "/", StringComparison.Ordinal);
        var lastTaken = retaken.Count == 0 ? (DateTime?)null : retaken.Max(g => At(record.Events[g.Index]));
        TestContext.Out.WriteLine($"{requeuedSamples.Count} requests re-queued; kill -> last re-queued {(requeued.Count == 0 ? "-" : $"{(requeued.Max(At) - killedAt).TotalSeconds:F1} s")}, " +
            $"kill -> last of them accepted {(lastTaken is { } t ? $"{(t - killedAt).TotalSeconds:F1} s" : "-")}");
        Assert.Multiple(() =>
        {
            // Every step's batch: each planned sample once, none twice (the coordinator's accepted-group events).
            var perStep = accepted.GroupBy(g => g.Step).ToDictionary(g => g.Key, g => g.ToList());
            Assert.That(perStep.Keys.Order(), Is.EqualTo(Enumerable.Range(0, Steps).Select(s => (long)s)), "a batch for every step");
            foreach (var (step, groups) in perStep)
            {
                Assert.That(groups.Select(g => g.Sample).Distinct().Count(), Is.EqualTo(UsersPerStep), $"step {step}: every sample accepted");
                Assert.That(groups, Has.Count.EqualTo(UsersPerStep), $"step {step}: no sample accepted twice");
            }
            Assert.That(requeued, Is.Not.Empty, "the killed node held requests");
            Assert.That(requeued.Select(e => e.Text("Why")), Is.All.EqualTo("terminated"));
            Assert.That(requeued.Select(e => onVictim(e.Text("Worker"))), Is.All.True, "only the killed node's requests were re-queued");
            Assert.That(retaken.Select(g => (g.Step, g.Sample)).Distinct().Count(), Is.EqualTo(requeuedSamples.Count), "every re-queued request's group was accepted");
            // A re-queued request may have been answered by the killed node just before it died (its group in flight);
            // every other one is answered by a surviving node, and nothing of the killed node is accepted after its removal.
            Assert.That(retaken.Where(g => !onVictim(g.Worker)), Is.Not.Empty, "re-queued requests were answered by the surviving nodes");
            var removed = run.Events().FirstOrDefault(e => e.Member == victim.Address && e.Kind == "MemberRemoved")?.At ?? DateTime.MaxValue;
            Assert.That(accepted.Where(g => onVictim(g.Worker)).Select(g => At(record.Events[g.Index])), Is.All.LessThan(removed),
                "no group of the killed node accepted after its removal");
            Assert.That(lastTaken - killedAt, Is.LessThan(RecoveryBound), "kill -> every re-queued request taken and its group accepted");
            Assert.That(run.Events().Where(e => e.Member == victim.Address).Select(e => e.Kind), Is.SupersetOf(new[] { "UnreachableMember", "MemberRemoved" }));
        });
    }

    private static IEnumerable<long> Samples(RunEvent e) => e.Fields.GetProperty("Samples").EnumerateArray().Select(s => s.GetInt64());

    private static DateTime At(RunEvent e) => e.Fields.GetProperty("@t").GetDateTime().ToUniversalTime();
}
