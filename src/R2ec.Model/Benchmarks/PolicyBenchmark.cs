using System.Diagnostics;
using R2ec.Model.Policy;
using R2ec.Model.Recommendation;
using R2ec.Model.Sampling;
using R2ec.Tensors;

namespace R2ec.Model.Benchmarks;

/// <summary>Generation throughput: sampled tokens per second, prefill included.</summary>
/// <param name="Groups">Prompts per call.</param>
/// <param name="GroupSize">Continuations per prompt (sharing one prefill).</param>
/// <param name="PromptTokens">Tokens per prompt.</param>
/// <param name="NewTokens">Tokens sampled per continuation.</param>
/// <param name="Calls">Timed calls.</param>
/// <param name="Seconds">Their total time.</param>
public sealed record GenerationThroughput(int Groups, int GroupSize, int PromptTokens, int NewTokens, int Calls, double Seconds)
{
    /// <summary>Sampled tokens per second.</summary>
    public double TokensPerSecond => (double)Groups * GroupSize * NewTokens * Calls / Seconds;
}

/// <summary>Item-table encoding throughput.</summary>
/// <param name="Items">Items per pass.</param>
/// <param name="PromptTokens">Tokens per item prompt.</param>
/// <param name="BatchSize">Prompts per forward pass.</param>
/// <param name="Passes">Timed passes.</param>
/// <param name="Seconds">Their total time.</param>
public sealed record EncodingThroughput(int Items, int PromptTokens, int BatchSize, int Passes, double Seconds)
{
    /// <summary>Items encoded per second.</summary>
    public double ItemsPerSecond => (double)Items * Passes / Seconds;
}

/// <summary>
/// Stopwatch harness for the policy model's inference paths, free of any test framework so that <c>r2ec bench</c>
/// can call it; the figures in docs/benchmarks.md ("Policy model") come from here.
/// </summary>
public static class PolicyBenchmark
{
    /// <summary>
    /// The engine benchmark's model (<c>../shared/bench/torch_ref.py</c> defaults): d 256, 4 layers, 4 heads, SwiGLU 688,
    /// vocabulary 8192, tied embeddings.
    /// </summary>
    public static Qwen2Config EngineBenchmarkConfig() => new()
    {
        VocabSize = 8192, HiddenSize = 256, IntermediateSize = 688, NumHiddenLayers = 4, NumAttentionHeads = 4, NumKeyValueHeads = 4,
        MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
    };

    /// <summary>Random prompts of <paramref name="tokens"/> ids below <paramref name="vocab"/>, drawn from a keyed stream.</summary>
    public static int[][] RandomPrompts(int count, int tokens, int vocab, ulong seed)
    {
        var rng = new KeyedRandom(seed);
        return Enumerable.Range(0, count)
            .Select(p => Enumerable.Range(0, tokens).Select(t => (int)(rng.Bits((ulong)(p * tokens + t)) % (ulong)vocab)).ToArray())
            .ToArray();
    }

    /// <summary>
    /// Mean wall seconds per call of <paramref name="step"/> over at least <paramref name="seconds"/> after
    /// <paramref name="warm"/> unmeasured calls, as <c>torch_ref.py</c>'s <c>bench()</c>, and the process CPU seconds per
    /// call: on a shared machine the second shows what other load hides in the first.
    /// </summary>
    public static (double Wall, double Cpu) MeasureCalls(Action step, double seconds, int warm)
    {
        for (var i = 0; i < warm; i++)
            step();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var n = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            step();
            n++;
        }
        return (clock.Elapsed.TotalSeconds / n, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / n);
    }

    /// <summary>
    /// Times <see cref="Generator.SampleGroups"/> (temperature 1, no filter, no stop: exactly <paramref name="newTokens"/> per
    /// continuation) after one untimed call, repeating until <paramref name="minTime"/> has passed.
    /// </summary>
    public static GenerationThroughput MeasureGeneration(R2ecPolicy policy, int groups, int groupSize, int promptTokens, int newTokens, TimeSpan minTime) =>
        MeasureGeneration(new Generator(policy), policy.Config.VocabSize, groups, groupSize, promptTokens, newTokens, minTime);

    /// <summary>The same measurement with any backend's <paramref name="generator"/> (vocabulary <paramref name="vocab"/>).</summary>
    public static GenerationThroughput MeasureGeneration(Generator generator, int vocab, int groups, int groupSize, int promptTokens, int newTokens, TimeSpan minTime)
    {
        var prompts = RandomPrompts(groups, promptTokens, vocab, 1);
        var requests = prompts.Select((p, i) => new GroupRequest(p, (ulong)i, groupSize)).ToList();
        var options = new SamplingOptions { Temperature = 1f, MaxNewTokens = newTokens };
        generator.SampleGroups(requests, options, 0, 0);
        var calls = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            var result = generator.SampleGroups(requests, options, 0, (ulong)calls + 1);
            if (result.Any(g => g.Any(t => t.SampledCount != newTokens)))
                throw new InvalidOperationException("a continuation stopped early; the token count would be wrong");
            calls++;
        }
        while (clock.Elapsed < minTime);
        return new GenerationThroughput(groups, groupSize, promptTokens, newTokens, calls, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Times <see cref="ItemEncoder.Encode"/> of <paramref name="items"/> random prompts after one untimed pass.</summary>
    public static EncodingThroughput MeasureItemEncoding(R2ecPolicy policy, int items, int promptTokens, int batchSize, TimeSpan minTime)
    {
        var prompts = RandomPrompts(items, promptTokens, policy.Config.VocabSize, 2);
        var encoder = new ItemEncoder(policy);
        encoder.Encode(prompts, batchSize, 0);
        var passes = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            encoder.Encode(prompts, batchSize, passes);
            passes++;
        }
        while (clock.Elapsed < minTime);
        return new EncodingThroughput(items, promptTokens, batchSize, passes, clock.Elapsed.TotalSeconds);
    }
}
