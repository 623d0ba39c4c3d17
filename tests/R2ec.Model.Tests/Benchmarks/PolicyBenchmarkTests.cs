using R2ec.Model.Benchmarks;
using R2ec.Model.Policy;
using R2ec.Model.Tests.Support;
using R2ec.Tensors;

namespace R2ec.Model.Tests.Benchmarks;

public class PolicyBenchmarkTests
{
    [Test]
    public void MeasurementsCountWhatTheyRan()
    {
        var policy = TestModels.Policy();
        var gen = PolicyBenchmark.MeasureGeneration(policy, groups: 2, groupSize: 3, promptTokens: 5, newTokens: 4, TimeSpan.Zero);
        Assert.That(gen.Calls, Is.EqualTo(1));
        Assert.That(gen.TokensPerSecond, Is.EqualTo(2 * 3 * 4 / gen.Seconds).Within(1e-6));
        var enc = PolicyBenchmark.MeasureItemEncoding(policy, items: 5, promptTokens: 6, batchSize: 2, TimeSpan.Zero);
        Assert.That(enc.ItemsPerSecond, Is.EqualTo(5 / enc.Seconds).Within(1e-6));
        Assert.That(() => PolicyBenchmark.EngineBenchmarkConfig().Validate(), Throws.Nothing);
    }

    /// <summary>
    /// The generation and item-encoding figures of docs/benchmarks.md ("Policy model"): run with
    /// <c>dotnet test tests/R2ec.Model.Tests -c Release --filter "TestCategory=Benchmark" --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Test, Explicit("benchmark: prints throughput, run by hand"), Category("Benchmark")]
    public void EngineBenchmarkModelThroughput()
    {
        var policy = R2ecPolicy.Create(PolicyBenchmark.EngineBenchmarkConfig(), 1);
        TestContext.Out.WriteLine($"threads {Engine.Threads}, parameters {policy.Parameters.Sum(p => (long)p.Value.Length) / 1e6:F2} M");
        var minTime = TimeSpan.FromSeconds(4);
        foreach (var (groups, g) in new[] { (16, 1), (4, 4), (1, 16) })
        {
            var r = PolicyBenchmark.MeasureGeneration(policy, groups, g, 192, 64, minTime);
            TestContext.Out.WriteLine($"generation {groups} prompts × G {g}, prompt 192, 64 new: {r.TokensPerSecond:F0} tokens/s ({r.Calls} calls, {r.Seconds / r.Calls * 1e3:F0} ms each)");
            Assert.That(r.TokensPerSecond, Is.GreaterThan(0).And.Not.NaN, "the harness measured no generation");
        }
        foreach (var batch in new[] { 16, 64 })
        {
            var e = PolicyBenchmark.MeasureItemEncoding(policy, 512, 32, batch, minTime);
            TestContext.Out.WriteLine($"item encoding, 512 prompts of 32 tokens, batch {batch}: {e.ItemsPerSecond:F0} items/s ({e.Passes} passes)");
            Assert.That(e.ItemsPerSecond, Is.GreaterThan(0).And.Not.NaN, "the harness measured no item encoding");
        }
    }
}
