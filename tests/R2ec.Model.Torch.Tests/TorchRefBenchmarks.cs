using R2ec.Model.Benchmarks;
using R2ec.Model.Policy;
using R2ec.Model.Torch;
using TorchSharp;
using static TorchSharp.torch;
using Generator = R2ec.Model.Sampling.Generator;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// Benchmark (1) of issue 13 for the torch backend, on the configuration of <c>../shared/bench/torch_ref.py</c> (d 256,
/// 4 layers, 4 heads, SwiGLU 688, vocabulary 8192, tied, QKV bias): its train step (clipped token surrogate over
/// 8 × 255 positions + item cross-entropy against 10,000 items at τ 0.05, backward, AdamW lr 1e-3), timed as its
/// <c>bench()</c> (2 untimed calls, then calls for at least 3 s), and generation of 16 prompts × 192 tokens + 64 new
/// through the shared <see cref="Generator"/> on both backends (one untimed call, then at least 4 s). The managed
/// train step is <c>r2ec bench engine --only train</c>; docs/benchmarks.md puts the three side by side. Run by hand:
/// <c>dotnet test tests/R2ec.Model.Torch.Tests -c Release --filter "Name=TorchRefConfiguration" --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class TorchRefBenchmarks
{
    private const int Batch = 8, Seq = 256, Items = 10_000;

    [Test, Explicit("benchmark: prints times, run by hand"), Category("Benchmark")]
    public void TorchRefConfiguration()
    {
        TorchRuntime.Load(threads: 2);
        var config = PolicyBenchmark.EngineBenchmarkConfig();
        var managed = R2ecPolicy.Create(config, seed: 1);
        using var model = TorchQwen2Policy.FromManaged(managed);
        var (wall, cpu) = PolicyBenchmark.MeasureCalls(TrainStep(model), seconds: 3, warm: 2);
        Log($"torch train step (torch_ref.py step(), 8 × 256): {wall * 1e3:F1} ms ({cpu * 1e3:F0} CPU-ms), load average {LoadAverage()}");

        var m = PolicyBenchmark.MeasureGeneration(new Generator(managed), config.VocabSize, 16, 1, 192, 64, TimeSpan.FromSeconds(4));
        Log($"managed generation (shared Generator, 16 × 192 + 64): {m.TokensPerSecond:F0} tokens/s, load average {LoadAverage()}");
        var t = PolicyBenchmark.MeasureGeneration(TorchGroupDecoder.Generator(model), config.VocabSize, 16, 1, 192, 64, TimeSpan.FromSeconds(4));
        Log($"torch generation (shared Generator, 16 × 192 + 64): {t.TokensPerSecond:F0} tokens/s, load average {LoadAverage()}");
        Assert.That(t.TokensPerSecond, Is.GreaterThan(0));
    }

    /// <summary>torch_ref.py's <c>step()</c> on the torch policy, with its inputs drawn once.</summary>
    private static Action TrainStep(TorchQwen2Policy model)
    {
        manual_seed(0);
        var ids = randint(0, model.Config.VocabSize, [Batch, Seq], ScalarType.Int64).DetachFromDisposeScope();
        var labels = randint(0, Items, [Batch], ScalarType.Int64).DetachFromDisposeScope();
        var advantage = randn([Batch, 1]).DetachFromDisposeScope();
        var items = nn.functional.normalize(randn([Items, model.Config.HiddenSize]), dim: -1).DetachFromDisposeScope();
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        return () =>
        {
            using var scope = NewDisposeScope();
            var hidden = model.Hidden(ids.narrow(1, 0, Seq - 1));
            var logp = nn.functional.log_softmax(model.Logits(hidden), -1).gather(-1, ids.narrow(1, 1, Seq - 1).unsqueeze(-1)).squeeze(-1);
            var ratio = exp(logp - logp.detach());
            var token = -minimum(ratio * advantage, ratio.clamp(0.8, 1.28) * advantage).mean();
            var user = nn.functional.normalize(hidden.select(1, Seq - 2), dim: -1);
            var item = nn.functional.cross_entropy(user.matmul(items.t()) / 0.05, labels);
            (token + item).backward();
            optimizer.step();
            optimizer.zero_grad();
        };
    }

    private static void Log(string line)
    {
        TestContext.Out.WriteLine(line);
        TestContext.Progress.WriteLine(line);
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
