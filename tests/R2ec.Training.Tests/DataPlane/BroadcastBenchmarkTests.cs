using R2ec.Training.DataPlane;

namespace R2ec.Training.Tests.DataPlane;

public sealed class BroadcastBenchmarkTests
{
    [Test]
    public async Task ASmallBroadcast_ReachesEveryWorker()
    {
        var result = await BroadcastBenchmark.RunAsync(workers: 2, bytes: 64 * 1024, repetitions: 1);
        Assert.That(result.Workers, Is.EqualTo(2));
        Assert.That(result.Bytes, Is.EqualTo(64 * 1024));
        Assert.That(result.PublishToAllSwappedMs, Is.GreaterThan(result.PublishMs), "the broadcast includes the publish");
        Assert.That(result.RawLoopbackGetMs, Is.GreaterThan(0));
        Assert.That(result.SharedDirectoryMs, Is.GreaterThan(0));
        Assert.That(result.ToMarkdownRow(), Does.StartWith("| 2 | 0.1 |"));
    }

    /// <summary>The figures of docs/benchmarks.md ("Weight broadcast (data plane)"); run on demand, not in the suite.</summary>
    [Test, Explicit("benchmark: minutes, and only meaningful on an idle machine"), Category("Benchmark")]
    public async Task WeightBroadcastTable()
    {
        TestContext.Out.WriteLine("| workers | MB | publish (ms) | publish -> all swapped (ms) | raw loopback GET (ms) | memory copy (ms) | shared directory (ms) |");
        TestContext.Out.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var bytes in new[] { 5_000_000, 100_000_000 })
            foreach (var workers in new[] { 1, 2, 4 })
            {
                var result = await BroadcastBenchmark.RunAsync(workers, bytes, repetitions: 7);
                TestContext.Out.WriteLine(result.ToMarkdownRow());
                Assert.That(result.PublishToAllSwappedMs, Is.GreaterThan(0));
            }
    }
}
