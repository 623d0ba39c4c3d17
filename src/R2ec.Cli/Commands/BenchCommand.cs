using System.CommandLine;
using R2ec.Model.Benchmarks;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Nn;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Optim;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec bench engine</c>: the workload of <c>../shared/bench/torch_ref.py</c> on our engine, printed with the same
/// keys so the two outputs compare line by line.
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions globals, TextWriter output)
    {
        var bench = new Command("bench", "measure the speed of a component against its reference");
        var engine = new Command("engine", "sgemm 1024³, train step (forward + backward + AdamW) and KV-cached generation of the torch_ref.py model");
        var threads = new Option<int?>("--threads") { Description = "kernel threads, 0 = one per core (default: Engine:Threads)" };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0)
                result.AddError("--threads must be 0 (one per core) or more");
        });
        var seconds = new Option<double>("--seconds") { Description = "measuring time per figure, as torch_ref.py (train 3 s, generation 4 s, sgemm 3 s)", DefaultValueFactory = _ => 3.0 };
        var only = new Option<string?>("--only") { Description = "one figure: gemm, train or gen" };
        only.AcceptOnlyFromAmong("gemm", "train", "gen");
        engine.Options.Add(threads);
        engine.Options.Add(seconds);
        engine.Options.Add(only);
        engine.SetAction(parse =>
        {
            var options = globals.Start(parse);
            Engine.Threads = parse.GetValue(threads) ?? options.Engine.EffectiveThreads;
            EngineBench.Run(output, parse.GetValue(seconds), parse.GetValue(only));
            return 0;
        });
        bench.Subcommands.Add(engine);
        return bench;
    }
}

/// <summary>The figures of <c>torch_ref.py</c> with its default flags, on <see cref="TinyTransformer"/>.</summary>
internal static class EngineBench
{
    // torch_ref.py defaults: d 256, 4 layers, 4 heads, SwiGLU 688, vocab 8192, batch 8 × 256 tokens, 10 000 items,
    // generation batch 16, prompt 192, 64 new tokens.
    private static readonly TransformerConfig Config = new(Vocab: 8192, Dim: 256, Layers: 4, Heads: 4, KvHeads: 4, Ffn: 688, MaxPositions: 512);
    private const int Batch = 8, Seq = 256, Items = 10_000, GenBatch = 16, GenPrompt = 192, GenNew = 64;
    private const float Tau = 0.05f, EpsLow = 0.2f, EpsHigh = 0.28f;

    public static void Run(TextWriter output, double seconds, string? only)
    {
        var model = new TinyTransformer(Config, seed: 0);
        var parameters = model.Parameters.Sum(p => (long)p.Value.Length);
        output.WriteLine($"params {parameters / 1e6:F2}M threads {Engine.Threads}");
        if (only is null or "gemm")
        {
            var (t, cpu) = PolicyBenchmark.MeasureCalls(Gemm1024(), seconds, warm: 2);
            output.WriteLine($"gemm_gflops {2.0 * 1024 * 1024 * 1024 / t / 1e9:F0}  (1024x1024x1024 sgemm; {2.0 * 1024 * 1024 * 1024 / cpu / 1e9:F0} per CPU-second)");
            if (OpenBlasGemm1024() is { } blas)
            {
                var (tb, cpub) = PolicyBenchmark.MeasureCalls(blas, seconds, warm: 2);
                output.WriteLine($"openblas_gemm_gflops {2.0 * 1024 * 1024 * 1024 / tb / 1e9:F0}  (cblas_sgemm of libopenblas.so.0, same process; {2.0 * 1024 * 1024 * 1024 / cpub / 1e9:F0} per CPU-second)");
            }
        }
        var items = ItemTable();
        if (only is null or "train")
        {
            var (t, cpu) = PolicyBenchmark.MeasureCalls(TrainStep(model, items), seconds, warm: 2);
            var flops = 6.0 * parameters * Batch * (Seq - 1);
            output.WriteLine($"train_step_ms {t * 1e3:F1}  (~{flops / t / 1e9:F0} GFLOP/s by 6N rule; {cpu * 1e3:F0} CPU-ms)");
        }
        if (only is null or "gen")
        {
            var (t, cpu) = PolicyBenchmark.MeasureCalls(Generate(model, items), seconds + 1, warm: 1);
            output.WriteLine($"gen_tokens_per_s {GenBatch * GenNew / t:F0}  (batch {GenBatch}, prompt {GenPrompt}, new {GenNew}, incl. prefill; {GenBatch * GenNew / cpu:F0} per CPU-second)");
        }
    }

    private const int GemmSize = 1024;

    private static Action Gemm1024()
    {
        var (a, b, c) = GemmOperands();
        return () => Gemm.Multiply(false, false, GemmSize, GemmSize, GemmSize, 1f, a.Span, GemmSize, b.Span, GemmSize, 0f, c.Span, GemmSize);
    }

    // The peer's sgemm on the same operands and thread count, when libopenblas.so.0 is installed.
    private static Action? OpenBlasGemm1024()
    {
        if (!OpenBlas.IsAvailable)
            return null;
        OpenBlas.SetThreads(Engine.Threads);
        var (a, b, c) = GemmOperands();
        return () => OpenBlas.Multiply(false, false, GemmSize, GemmSize, GemmSize, 1f, a.Span, GemmSize, b.Span, GemmSize, 0f, c.Span, GemmSize);
    }

    private static (Tensor A, Tensor B, Tensor C) GemmOperands()
    {
        const int count = GemmSize * GemmSize;
        var rng = new KeyedRandom(1);
        var a = Tensor.Pooled(false, GemmSize, GemmSize);
        var b = Tensor.Pooled(false, GemmSize, GemmSize);
        for (var i = 0; i < count; i++)
        {
            a.Span[i] = (float)rng.Normal((ulong)i);
            b.Span[i] = (float)rng.Normal((ulong)(i + count));
        }
        return (a, b, Tensor.Pooled(false, GemmSize, GemmSize));
    }

    private static Variable ItemTable()
    {
        var rng = new KeyedRandom(2);
        var t = Tensor.Zeros(Items, Config.Dim);
        var s = t.Span;
        for (var i = 0; i < s.Length; i++)
            s[i] = (float)rng.Normal((ulong)i);
        Cosine.NormalizeRows(s, Items, Config.Dim, s, default);
        return Variable.Constant(t, "items");
    }

    // torch_ref.py step(): token loss = clipped surrogate of per-token log-probs against their detached copy with a
    // per-sequence advantage; item loss = cross-entropy of cos(h_last, items)/0.05; backward; AdamW(lr 1e-3).
    private static Action TrainStep(TinyTransformer model, Variable items)
    {
        var rng = new KeyedRandom(3);
        var ids = Enumerable.Range(0, Batch * Seq).Select(i => (int)(rng.Bits((ulong)i) % (ulong)Config.Vocab)).ToArray();
        var inputs = new int[Batch * (Seq - 1)];
        var targets = new int[Batch * (Seq - 1)];
        for (var b = 0; b < Batch; b++)
        {
            Array.Copy(ids, b * Seq, inputs, b * (Seq - 1), Seq - 1);
            Array.Copy(ids, b * Seq + 1, targets, b * (Seq - 1), Seq - 1);
        }
        var labels = Enumerable.Range(0, Batch).Select(b => (int)(rng.Bits((ulong)(1_000_000 + b)) % Items)).ToArray();
        var advantage = Enumerable.Range(0, Batch * (Seq - 1)).Select(i => (float)new KeyedRandom(4).Normal((ulong)(i / (Seq - 1)))).ToArray();
        var lastRows = Enumerable.Range(0, Batch).Select(b => (b + 1) * (Seq - 1) - 1).ToArray();
        var opt = new AdamW(model.Parameters, learningRate: 1e-3f);
        return () =>
        {
            using var tape = new Tape();
            var hidden = model.Hidden(tape, inputs, Batch, Seq - 1);
            var logp = CrossEntropy.TokenLogProbs(tape, model.Logits(tape, hidden), targets);
            var tok = ClippedSurrogate(tape, logp, logp.Value.ToArray(), advantage);
            var user = Embedding.Lookup(tape, hidden, lastRows);
            var item = CrossEntropy.Loss(tape, Cosine.Similarity(tape, user, items, Tau), labels);
            tape.Backward(Residual.Add(tape, tok, item));
            opt.Step();
            opt.ZeroGrad();
        };
    }

    // −mean(min(ρA, clip(ρ, 1−εlow, 1+εhigh)A)) with ρ = exp(logp − logpOld).
    private static Variable ClippedSurrogate(Tape tape, Variable logp, float[] logpOld, float[] advantage)
    {
        var n = logpOld.Length;
        var ratio = new float[n];
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            ratio[i] = MathF.Exp(logp.Value.Span[i] - logpOld[i]);
            var clipped = Math.Clamp(ratio[i], 1 - EpsLow, 1 + EpsHigh);
            total += Math.Min(ratio[i] * advantage[i], clipped * advantage[i]);
        }
        var y = tape.Allocate(false, 1);
        y.Span[0] = (float)(-total / n);
        return tape.Op(y, dy =>
        {
            var g = tape.GradOf(logp).Span;
            for (var i = 0; i < n; i++)
            {
                var r = ratio[i];
                var a = advantage[i];
                var clippedActive = r * a > Math.Clamp(r, 1 - EpsLow, 1 + EpsHigh) * a && (r < 1 - EpsLow || r > 1 + EpsHigh);
                if (!clippedActive)
                    g[i] += -dy.Span[0] / n * a * r;
            }
        }, logp);
    }

    // torch_ref.py gen(): prefill a batch of prompts, sample 64 tokens with the KV cache, then score the user
    // embedding against the item table and take the top 20.
    private static Action Generate(TinyTransformer model, Variable items)
    {
        var rng = new KeyedRandom(5);
        var cache = new KvCache(Config.Layers, GenBatch, Config.KvHeads, Config.HeadDim, GenPrompt + GenNew);
        var hidden = new float[GenBatch * Config.Dim];
        var logits = new float[GenBatch * Config.Vocab];
        var scores = new float[GenBatch * Items];
        var top = new int[GenBatch * 20];
        var run = 0UL;
        return () =>
        {
            run++;
            var prompt = Enumerable.Range(0, GenBatch * GenPrompt).Select(i => (int)(new KeyedRandom(6, run).Bits((ulong)i) % (ulong)Config.Vocab)).ToArray();
            cache.Length = 0;
            model.Infer(prompt, GenBatch, GenPrompt, cache, hidden, logits);
            var next = new int[GenBatch];
            for (var t = 0; t < GenNew; t++)
            {
                Sample(logits, next, new KeyedRandom(7, run, (ulong)t));
                if (t < GenNew - 1)
                    model.Infer(next, GenBatch, 1, cache, hidden, logits);
            }
            Cosine.NormalizeRows(hidden, GenBatch, Config.Dim, hidden, default);
            Linear.Forward(hidden, GenBatch, items.Value.Span, default, Config.Dim, Items, scores);
            TopK.SelectRows(scores, GenBatch, Items, 20, top);
        };
    }

    private static void Sample(float[] logits, int[] next, KeyedRandom rng)
    {
        var v = Config.Vocab;
        for (var b = 0; b < next.Length; b++)
        {
            var row = logits.AsSpan(b * v, v);
            Softmax.Row(row, row);
            var u = (float)rng.Uniform((ulong)b);
            var acc = 0f;
            next[b] = v - 1;
            for (var j = 0; j < v; j++)
            {
                acc += row[j];
                if (u < acc)
                {
                    next[b] = j;
                    break;
                }
            }
        }
    }
}
