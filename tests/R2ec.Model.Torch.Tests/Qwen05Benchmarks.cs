using System.Diagnostics;
using R2ec.Model.Benchmarks;
using R2ec.Model.Policy;
using R2ec.Model.Sampling;
using R2ec.Model.Torch;
using R2ec.Model.Training;
using Generator = R2ec.Model.Sampling.Generator;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// The Qwen2.5-0.5B shape (random weights) on one backend per process, for docs/benchmarks.md ("TorchSharp backend"):
/// one group of G = 4 × 64 new tokens after a 256-token prompt, and one learner step (LM loss forward + backward +
/// AdamW) on 8 × 320 tokens, each with its own peak RSS. Run by hand, once per backend:
/// <c>R2EC_BENCH_BACKEND=managed dotnet test tests/R2ec.Model.Torch.Tests -c Release --filter "Name=Qwen05ShapeOnOneBackend" --logger "console;verbosity=detailed"</c>
/// (and <c>R2EC_BENCH_BACKEND=torch</c>). Peak RSS is Linux's VmHWM, reset (clear_refs 5) after the model is built so
/// that each figure is the peak of that workload with the weights resident. <c>R2EC_BENCH_LOSS_CHUNK=n</c> computes the
/// torch learner step's LM loss n positions at a time (same loss and gradients, smaller peak).
/// </summary>
public sealed class Qwen05Benchmarks
{
    /// <summary>The Qwen2.5-0.5B shape: hidden 896, 24 layers, 14 heads, 2 KV heads, SwiGLU 4864, vocabulary 151,936.</summary>
    public static Qwen2Config Qwen05() => new()
    {
        VocabSize = 151_936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24, NumAttentionHeads = 14, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
    };

    [Test, Explicit("benchmark: minutes, and a learner step needs over 20 GB, run by hand"), Category("Benchmark")]
    public void Qwen05ShapeOnOneBackend()
    {
        var backend = Environment.GetEnvironmentVariable("R2EC_BENCH_BACKEND") ?? "managed";
        var steps = int.Parse(Environment.GetEnvironmentVariable("R2EC_BENCH_STEPS") ?? "2");
        var generate = Environment.GetEnvironmentVariable("R2EC_BENCH_GENERATE") != "0";
        TorchRuntime.Load(threads: 2);
        var config = Qwen05();
        Generator generator;
        Action learnerStep;
        TorchQwen2Policy? torchModel = null;
        Log($"{backend}: before building, RSS {Rss("VmRSS")} MiB");
        if (backend == "torch")
        {
            torchModel = BuildTorch(config);
            CollectAndLog(backend);
            generator = TorchGroupDecoder.Generator(torchModel);
            learnerStep = TorchLearnerStep(torchModel);
        }
        else
        {
            var policy = R2ecPolicy.Create(config, seed: 2);
            CollectAndLog(backend);
            generator = new Generator(policy);
            learnerStep = ManagedLearnerStep(policy);
        }
        // TorchSharp's AdamW allocates its moments (2 × the weights) when it is made, the managed one at its first step.
        Log($"{backend}: learner step prepared (optimizer made), RSS {Rss("VmRSS")} MiB");
        if (Environment.GetEnvironmentVariable("R2EC_BENCH_BUILD_ONLY") == "1")
        {
            torchModel?.Dispose();
            return;
        }

        if (generate)
            Generate(backend, config, generator);

        // Learner steps on 8 × 320 random tokens; the first one also allocates the AdamW moments.
        ResetPeak();
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < steps; s++)
        {
            clock.Restart();
            learnerStep();
            Log($"{backend}: learner step {s + 1} (8 × 320, forward + backward + AdamW): {clock.Elapsed.TotalSeconds:F1} s, peak RSS {Rss("VmHWM")} MiB, load average {LoadAverage()}");
        }
        torchModel?.Dispose();
    }

    /// <summary>
    /// A full, compacting collection that also returns free memory to the OS (<see cref="GCCollectionMode.Aggressive"/>),
    /// so the RSS printed is the model's and not the build's garbage the GC kept for later.
    /// </summary>
    private static void CollectAndLog(string backend)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Log($"{backend}: model built, RSS {Rss("VmRSS")} MiB, GC heap {GC.GetTotalMemory(false) >> 20} MiB, peak {Rss("VmHWM")} MiB, load average {LoadAverage()}");
    }

    /// <summary>
    /// The torch policy copied from a managed one, with the RSS at each stage (issue 13 asked where 12.6 GiB came from for
    /// a 2 GiB model); a method of its own so that the managed policy is unreachable once it returns.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static TorchQwen2Policy BuildTorch(Qwen2Config config)
    {
        var managed = R2ecPolicy.Create(config, seed: 2);
        Log($"torch: managed policy built, RSS {Rss("VmRSS")} MiB, GC heap {GC.GetTotalMemory(false) >> 20} MiB");
        var model = TorchQwen2Policy.FromManaged(managed);
        Log($"torch: torch policy copied from it, RSS {Rss("VmRSS")} MiB, GC heap {GC.GetTotalMemory(false) >> 20} MiB, peak {Rss("VmHWM")} MiB");
        return model;
    }

    /// <summary>One group G = 4 × 64 after 256 (a tiny untimed call first, to load code paths, not to warm caches).</summary>
    private static void Generate(string backend, Qwen2Config config, Generator generator)
    {
        var prompt = PolicyBenchmark.RandomPrompts(1, 256, config.VocabSize, 1)[0];
        generator.SampleGroups([new GroupRequest(prompt[..8], 0, 1)], new SamplingOptions { Temperature = 1f, MaxNewTokens = 2 }, 0, 0);
        ResetPeak();
        var clock = Stopwatch.StartNew();
        var result = generator.SampleGroups([new GroupRequest(prompt, 0, 4)], new SamplingOptions { Temperature = 1f, MaxNewTokens = 64 }, 0, 1);
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.That(result[0].All(t => t.SampledCount == 64), "every continuation samples exactly 64 tokens");
        Log($"{backend}: generation G=4 × 64 after 256: {seconds:F1} s ({4 * 64 / seconds:F1} tokens/s), peak RSS {Rss("VmHWM")} MiB, load average {LoadAverage()}");
    }

    private static Action ManagedLearnerStep(R2ecPolicy policy)
    {
        var sequences = PolicyBenchmark.RandomPrompts(8, 320, policy.Config.VocabSize, 3);
        var optimizer = new AdamW(policy.Parameters, 1e-5f);
        return () =>
        {
            using var tape = new Tape();
            var loss = PolicyForward.LmLoss(tape, policy, sequences);
            tape.Backward(loss);
            optimizer.Step();
            optimizer.ZeroGrad();
        };
    }

    private static Action TorchLearnerStep(TorchQwen2Policy model)
    {
        var sequences = PolicyBenchmark.RandomPrompts(8, 320, model.Config.VocabSize, 3);
        var flat = sequences.SelectMany(s => s.Select(t => (long)t)).ToArray();
        var parameters = model.parameters().ToList();
        var optimizer = optim.AdamW(parameters, 1e-5);
        // R2EC_BENCH_LOSS_CHUNK=n: the LM loss n positions at a time (the same loss and gradients, computed in chunks
        // so that the [2552, vocabulary] logits, their log-softmax and gradients never exist whole).
        var chunk = int.Parse(Environment.GetEnvironmentVariable("R2EC_BENCH_LOSS_CHUNK") ?? "0");
        return () =>
        {
            using var scope = NewDisposeScope();
            var ids = tensor(flat, [8, 320], ScalarType.Int64, model.Device);
            var hidden = model.Hidden(ids).narrow(1, 0, 319).reshape(-1, model.Config.HiddenSize);
            var targets = ids.narrow(1, 1, 319).reshape(-1);
            if (chunk <= 0)
            {
                var loss = nn.functional.cross_entropy(model.Logits(hidden).to(ScalarType.Float32), targets);
                loss.backward();
            }
            else
            {
                // Backward through the head chunk by chunk into a detached copy of the hidden states, then once
                // through the decoder with the gradient gathered there (the tied embedding collects both parts).
                var states = hidden.detach().requires_grad_(true);
                var n = targets.shape[0];
                for (long start = 0; start < n; start += chunk)
                {
                    using var part = NewDisposeScope();
                    var length = Math.Min(chunk, n - start);
                    var logits = model.Logits(states.narrow(0, start, length)).to(ScalarType.Float32);
                    (nn.functional.cross_entropy(logits, targets.narrow(0, start, length), reduction: nn.Reduction.Sum) / n).backward();
                }
                hidden.backward([states.grad!]);
            }
            optimizer.step();
            optimizer.zero_grad();
        };
    }

    private static void Log(string line)
    {
        TestContext.Out.WriteLine(line);
        TestContext.Progress.WriteLine(line);
    }

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Rss(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
