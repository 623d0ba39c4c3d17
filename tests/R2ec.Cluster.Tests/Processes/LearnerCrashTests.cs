using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>The learner's process killed with SIGKILL in the middle of RecPO and restarted with <c>--resume</c>, the workers running on.</summary>
public sealed class LearnerCrashTests : ProcessTest
{
    [Test]
    public async Task A_killed_learner_resumed_from_its_checkpoint_completes_the_run()
    {
        var reference = TinyJob.Reference;
        var run = NewRun(SharedBroker.Instance, "proc-learner-kill");
        var killed = run.StartJob();
        // RecPO step 3 is done, so the checkpoint of step 2 is written and step 4 is being sampled.
        await killed.WaitForLineAsync(l => l.Contains($"\"@m\":\"RecPO step 3/{TinyJob.RecPOSteps}:", StringComparison.Ordinal),
            RunTimeout, "RecPO step 3");
        killed.Kill();

        var resumed = run.StartLearner(resume: true);
        Assert.That(await run.WaitForJobAsync(resumed, RunTimeout), Is.Zero, "the resumed run completes");

        TestContext.Out.WriteLine("learner's warnings and errors:\n" + string.Join('\n', resumed.Messages("Warning", "Error")));
        var record = RunRecord.Read(run.RunDirectory, resumed.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        var resume = record.Events.LastOrDefault(e => e.Message.StartsWith("Job resuming", StringComparison.Ordinal));
        Assert.That(resume, Is.Not.Null, "the restarted learner logged that it resumes from a checkpoint");
        Assert.That(resume!.Text("Stage"), Is.EqualTo("recpo"));
        TestContext.Out.WriteLine(resume.Message);
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
