using R2ec.Training.Cluster;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>The learner's process killed with SIGKILL in the middle of RecPO and restarted with <c>--resume</c>.</summary>
public sealed class LearnerCrashTests : ProcessTest
{
    [Test]
    public async Task A_killed_learner_resumed_from_its_checkpoint_completes_the_run()
    {
        var reference = TinyJob.Reference;
        var run = NewRun("proc-learner-kill");
        var killed = await run.StartLearnerAsync();
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => run.StartWorkerAsync(ClusterRun.WorkerName(i))));
        // RecPO step 3 is done, so the checkpoint of step 2 is written and step 4 is being sampled.
        await killed.Process.WaitForLineAsync(l => l.Contains($"\"@m\":\"RecPO step 3/{TinyJob.RecPOSteps}:", StringComparison.Ordinal),
            RunTimeout, "RecPO step 3");
        killed.Process.Kill();

        // Keep-oldest on the learner role: the side without the learner downs itself, and its nodes exit non-zero to be
        // restarted fresh (a Deployment does that); they never go on with the dead learner's requests.
        foreach (var w in workers)
            Assert.That(await w.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ClusterMember.RemovedExitCode),
                $"{w.Process.Name} is downed without its learner");

        var resumed = await run.StartLearnerAsync(resume: true);
        await run.StartWorkerAsync(ClusterRun.WorkerName(2));
        await run.StartWorkerAsync(ClusterRun.WorkerName(3));
        Assert.That(await run.WaitForJobAsync(resumed, RunTimeout), Is.Zero, "the resumed run completes");

        var record = RunRecord.Read(run.RunDirectory, resumed.Process.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        var resume = record.Events.LastOrDefault(e => e.Message.StartsWith("Job resuming", StringComparison.Ordinal));
        Assert.That(resume, Is.Not.Null, "the restarted learner logged that it resumes from a checkpoint");
        Assert.That(resume!.Text("Stage"), Is.EqualTo("recpo"));
        var fromStep = resume.Number("Step");
        Assert.That(fromStep, Is.InRange(TinyJob.CheckpointInterval, TinyJob.RecPOSteps - 1), "a checkpoint of the RecPO stage");
        Assert.Multiple(() =>
        {
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table of the resumed run");
            // Steps after the checkpoint are logged twice (killed and resumed run); the last line of each is the resumed run's.
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
            Assert.That(record.AccountingDifferences(expected, resume.Index, fromStep), Is.Empty,
                "the resumed run accepted each group of the steps after its checkpoint exactly once");
        });
    }
}
