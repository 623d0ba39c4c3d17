namespace R2ec.Cluster.Tests.Processes;

/// <summary>The coordinator, the learner role's cluster singleton, throws in the middle of the run (<c>Faults:CoordinatorFailStep</c>).</summary>
public sealed class CoordinatorFailureTests : ProcessTest
{
    private const int FailStep = 1;

    [Test]
    public async Task A_coordinator_that_throws_on_the_cluster_fails_the_job_at_once_naming_the_step()
    {
        var run = NewRun("proc-coordinator-fail");
        var learner = await run.StartLearnerAsync(settings: ("Faults:CoordinatorFailStep", FailStep.ToString()));
        await Task.WhenAll(Enumerable.Range(0, 2).Select(i => run.StartWorkerAsync(ClusterRun.WorkerName(i))));

        var code = await learner.Process.WaitForExitAsync(RunTimeout);
        var exitedAt = DateTime.UtcNow;
        var record = RunRecord.Read(run.RunDirectory, learner.Process.Stdout);
        var failure = record.Events.Single(e => e.Template.StartsWith("The coordinator failed and was stopped", StringComparison.Ordinal));
        var failedAt = failure.Fields.GetProperty("@t").GetDateTime().ToUniversalTime();
        TestContext.Out.WriteLine($"coordinator failed at {failedAt:O}, learner exited {(exitedAt - failedAt).TotalSeconds:F1} s later with code {code}");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.Zero, "the learner's node fails");
            Assert.That(failure.Number("Step"), Is.EqualTo(FailStep), "the event log names the step the coordinator failed in");
            Assert.That(failure.Text("Error"), Does.Contain("CoordinatorFailStep"), "and the coordinator's error");
            // Without the supervisor the singleton manager restarts the coordinator and the driver waits out its 30-minute ask.
            Assert.That(exitedAt - failedAt, Is.LessThan(TimeSpan.FromSeconds(60)), "the job fails at once, not at the ask's timeout");
            Assert.That(learner.Process.Stderr, Has.Some.Contains($"RecPO step {FailStep} failed: its coordinator failed and was stopped"),
                "the node's last error names the step");
            Assert.That(record.Metrics.Where(m => m.Stage == "recpo").Select(m => m.Step), Is.EqualTo(Enumerable.Range(1, FailStep).Select(s => (long)s)),
                "the steps before it completed, it did not");
            Assert.That(record.Events.Where(e => e.Template.StartsWith("Coordinator singleton started", StringComparison.Ordinal)).Select(e => e.Text("Member")),
                Is.EqualTo(new[] { learner.Address }), "the singleton started once, on the learner's node, and was not restarted");
        });
    }
}
