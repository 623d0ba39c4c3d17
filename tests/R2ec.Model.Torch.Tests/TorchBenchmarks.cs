using System.Diagnostics;
using R2ec.Model.Benchmarks;
using R2ec.Model.Policy;
using R2ec.Model.Sampling;
using R2ec.Model.Torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// Generation on both backends in one process, for docs/benchmarks.md ("TorchSharp backend"): run by hand with
/// <c>dotnet test tests/R2ec.Model.Torch.Tests -c Release --filter "TestCategory=Benchmark" --logger "console;verbosity=detailed"</c>.
/// Set R2EC_BENCH_QWEN05=1 to add the Qwen2.5-0.5B shape (random weights, about 6 GB of memory), R2EC_BENCH_G_ONLY=1 to
/// measure only the G = 4 / G = 32 groups; <see cref="Qwen05Benchmarks"/> measures the 0.5B shape one backend per process.
/// </summary>
public sealed class TorchBenchmarks
{
    [Test, Explicit("benchmark: prints throughput, run by hand"), Category("Benchmark")]
    public void GenerationOnBothBackends()
    {
        TorchRuntime.Load(threads: 2);
        var engine = PolicyBenchmark.EngineBenchmarkConfig();
        var managed = R2ecPolicy.Create(engine, seed: 1);
        using (var model = TorchQwen2Policy.FromManaged(managed))
        {
            // torch_ref.py's generation: batch 16 (here 4 groups × G 4), prompt 192, 64 new tokens (R2EC_BENCH_G_ONLY=1 skips it).
            if (Environment.GetEnvironmentVariable("R2EC_BENCH_G_ONLY") != "1")
                Report("torch_ref config, 4×4 × 64 after 192", managed, model, 4, 4, 192, 64);
            // The G scaling of one group: a 400-token prompt, 64 new tokens, G = 4 and G = 32.
            var g4 = Report("one group G=4 × 64 after 400", managed, model, 1, 4, 400, 64);
            var g32 = Report("one group G=32 × 64 after 400", managed, model, 1, 32, 400, 64);
            TestContext.Out.WriteLine($"time(G=32)/time(G=4): managed {g32.Managed / g4.Managed:F2}, torch {g32.Torch / g4.Torch:F2}");
        }
        if (Environment.GetEnvironmentVariable("R2EC_BENCH_QWEN05") == "1")
        {
            var qwen = new Qwen2Config
            {
                VocabSize = 151_936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24, NumAttentionHeads = 14, NumKeyValueHeads = 2,
                MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
            };
            var big = R2ecPolicy.Create(qwen, seed: 2);
            using var bigTorch = TorchQwen2Policy.FromManaged(big);
            Report("Qwen2.5-0.5B shape, G=4 × 64 after 256", big, bigTorch, 1, 4, 256, 64);
        }
    }

    private static (double Managed, double Torch) Report(string label, R2ecPolicy managed, TorchQwen2Policy model, int groups, int g, int prompt, int newTokens)
    {
        var once = TimeSpan.Zero;
        var m = PolicyBenchmark.MeasureGeneration(new Generator(managed), managed.Config.VocabSize, groups, g, prompt, newTokens, once);
        var t = PolicyBenchmark.MeasureGeneration(TorchGroupDecoder.Generator(model), managed.Config.VocabSize, groups, g, prompt, newTokens, once);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20);
        TestContext.Out.WriteLine($"{label}: managed {m.Seconds / m.Calls:F2} s ({m.TokensPerSecond:F0} tokens/s), " +
                                  $"torch {t.Seconds / t.Calls:F2} s ({t.TokensPerSecond:F0} tokens/s), torch/managed time {t.Seconds / t.Calls / (m.Seconds / m.Calls):F2}; peak RSS so far {peak} MiB");
        return (m.Seconds / m.Calls, t.Seconds / t.Calls);
    }
}
