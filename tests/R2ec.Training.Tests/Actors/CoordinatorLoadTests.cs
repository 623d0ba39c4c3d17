using R2ec.Training.Actors;

namespace R2ec.Training.Tests.Actors;

/// <summary>The coordinator's per-step load figures (issue 18): nearest-rank quantiles, latency from a sample's first dispatch, mailbox samples.</summary>
public sealed class CoordinatorLoadTests
{
    [TestCase(0.5, 50.0)]
    [TestCase(0.99, 99.0)]
    [TestCase(1.0, 100.0)]
    [TestCase(0.0, 1.0)]
    public void Quantile_is_the_nearest_rank(double q, double expected)
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.That(CoordinatorLoad.Quantile(sorted, q), Is.EqualTo(expected));
    }

    [Test]
    public void Quantile_of_nothing_is_zero_and_a_quantile_outside_0_1_is_refused()
    {
        Assert.That(CoordinatorLoad.Quantile([], 0.5), Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => CoordinatorLoad.Quantile([1.0], 1.5));
    }

    [Test]
    public void Latency_counts_from_the_first_dispatch_and_only_dispatched_samples_are_measured()
    {
        var load = new CoordinatorLoad();
        load.Dispatched(7);
        Thread.Sleep(30);
        load.Dispatched(7); // a re-queued request handed out again: its latency still counts from the first hand-out
        load.Dispatched(8);
        load.Accepted(7);
        load.Accepted(8);
        load.Accepted(9); // never dispatched by this step's load: not measured
        load.Mailbox(2);
        load.Mailbox(6);
        var summary = load.Summary();
        Assert.Multiple(() =>
        {
            Assert.That(summary.Groups, Is.EqualTo(2));
            Assert.That(summary.LatencyP99Ms, Is.GreaterThanOrEqualTo(30), "sample 7 waited from its first dispatch");
            Assert.That(summary.LatencyP50Ms, Is.LessThan(summary.LatencyP99Ms), "sample 8 was dispatched later");
            Assert.That(summary.MailboxMean, Is.EqualTo(4));
            Assert.That(summary.MailboxMax, Is.EqualTo(6));
            Assert.That(summary.GroupsPerSecond, Is.GreaterThan(0));
        });
    }

    [Test]
    public void Thread_cpu_time_advances_with_work_on_linux()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("CLOCK_THREAD_CPUTIME_ID is read on Linux only");
        var before = CoordinatorLoad.ThreadCpuNanoseconds();
        var x = 0.0;
        for (var i = 0; i < 5_000_000; i++)
            x += Math.Sqrt(i);
        Assert.That(x, Is.GreaterThan(0));
        Assert.That(CoordinatorLoad.ThreadCpuNanoseconds(), Is.GreaterThan(before));
    }
}
