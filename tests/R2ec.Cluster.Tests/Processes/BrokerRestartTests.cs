namespace R2ec.Cluster.Tests.Processes;

/// <summary>The broker stops as in a crash and starts again while the processes train.</summary>
public sealed class BrokerRestartTests : ProcessTest
{
    [Test]
    public async Task A_run_survives_a_broker_restart_without_losing_or_duplicating_a_group()
    {
        var reference = TinyJob.Reference;
        var broker = NewBroker();
        var run = NewRun(broker, "proc-broker-restart");
        var learner = run.StartJob();
        await learner.WaitForLineAsync(l => l.Contains($"\"@m\":\"RecPO step 2/{TinyJob.RecPOSteps}:", StringComparison.Ordinal),
            RunTimeout, "RecPO step 2");
        broker.Restart(TimeSpan.FromSeconds(120), graceful: false);
        TestContext.Out.WriteLine("broker restarted");

        Assert.That(await run.WaitForJobAsync(learner, RunTimeout), Is.Zero, "the run completes");
        TestContext.Out.WriteLine("learner's warnings and errors:\n" + string.Join('\n', learner.Messages("Warning", "Error")));
        var record = RunRecord.Read(run.RunDirectory, learner.Stdout);
        TestContext.Out.WriteLine(record.DeliverySummary());
        var expected = await reference;
        Assert.Multiple(() =>
        {
            Assert.That(learner.Messages("Warning"), Has.Some.StartsWith("RabbitMQ connection lost"), "the learner's node lost the broker and reconnected");
            Assert.That(record.AccountingDifferences(expected), Is.Empty, "every planned (step, sample) group accepted exactly once");
            Assert.That(record.Table, Is.EqualTo(expected.Table), "the test table");
            Assert.That(record.MetricDifferences(expected, "rerequests", "groupsDropped"), Is.Empty);
        });
    }
}
