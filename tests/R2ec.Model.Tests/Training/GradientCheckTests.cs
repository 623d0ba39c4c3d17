using R2ec.Model.Policy;
using R2ec.Model.Tests.Support;
using R2ec.Model.Training;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Tests.Training;

/// <summary>
/// The learner's combined loss (advantage-weighted completion log-probs + in-batch cosine item loss) differentiated
/// through the whole model, against central differences of the float64 Hugging Face reference forward.
/// </summary>
public class GradientCheckTests
{
    private const double Tau = 0.1;
    private static readonly int[][] Prompts = [[260, 104, 101, 108, 261], [260, 97, 98, 99, 100, 101, 102, 261, 260]];
    private static readonly int[][] Completions = [[256, 116, 262], [33, 262]];
    private static readonly int[][] Items = [[260, 120, 121, 262], [260, 65, 66, 67, 262]];
    private static readonly double[] Advantages = [1.3, -0.7];

    private static Variable Loss(Tape tape, R2ecPolicy policy)
    {
        var output = PolicyForward.Forward(tape, policy, Prompts, Completions);
        var weights = new float[output.Offsets[^1]];
        for (var b = 0; b < Prompts.Length; b++)
        for (var t = output.Offsets[b]; t < output.Offsets[b + 1]; t++)
            weights[t] = (float)(-Advantages[b] / Completions[b].Length);
        var token = Reduce.WeightedSum(tape, output.TokenLogProbs, weights);
        var items = PolicyForward.LastHidden(tape, policy, Items);
        var item = CrossEntropy.Loss(tape, Cosine.Similarity(tape, output.UserEmbeddings, items, (float)Tau), [0, 1]);
        return Residual.Add(tape, token, item);
    }

    private static double ReferenceLoss(Qwen2Config c, Func<string, double[]> p)
    {
        var d = c.HiddenSize;
        var token = 0.0;
        var users = new double[2][];
        for (var b = 0; b < 2; b++)
        {
            int[] all = [.. Prompts[b], .. Completions[b]];
            var logits = Qwen2Reference.Logits(c, p, all);
            for (var t = 0; t < Completions[b].Length; t++)
            {
                var row = logits.AsSpan((Prompts[b].Length - 1 + t) * c.VocabSize, c.VocabSize);
                token += -Advantages[b] / Completions[b].Length * LogSoftmax(row, Completions[b][t]);
            }
            users[b] = Qwen2Reference.Hidden(c, p, all).AsSpan((all.Length - 1) * d, d).ToArray();
        }
        var items = Items.Select(i => Qwen2Reference.Hidden(c, p, i).AsSpan((i.Length - 1) * d, d).ToArray()).ToArray();
        var item = 0.0;
        for (var b = 0; b < 2; b++)
        {
            var sims = items.Select(e => Cos(users[b], e) / Tau).ToArray();
            item += -LogSoftmax(sims, b) / 2;
        }
        return token + item;
    }

    [Test]
    public void CombinedLossGradientMatchesFloat64FiniteDifferencesThroughTheWholeModel()
    {
        var policy = TestModels.Policy(seed: 31, tied: false);
        var config = policy.Config;
        float lossValue;
        using (var tape = new Tape())
        {
            var loss = Loss(tape, policy);
            lossValue = loss.Value.Span[0];
            tape.Backward(loss);
        }
        // Everything in Hugging Face layout (the reference's), gradients converted like the weights.
        var values = policy.ExportTensors().ToDictionary(t => t.Key, t => t.Value.ToArray().Select(v => (double)v).ToArray());
        var grads = new Dictionary<string, double[]>();
        foreach (var prm in policy.Parameters)
        {
            Assert.That(prm.Grad, Is.Not.Null, $"{prm.Name} received no gradient");
            var g = prm.Grad!.Clone();
            if (prm.Name!.Contains("q_proj") || prm.Name.Contains("k_proj"))
                RotaryLayout.ToHuggingFace(g.Span, config.HeadDim, g.Rank == 1 ? 1 : g.Cols);
            grads[prm.Name] = g.ToArray().Select(v => (double)v).ToArray();
        }
        double[] P(string name) => values[name];
        Assert.That(lossValue, Is.EqualTo(ReferenceLoss(config, P)).Within(1e-4 * Math.Max(1, Math.Abs(lossValue))), "forward loss");

        // Every parameter tensor: its largest-gradient coordinates plus random ones.
        var rng = new KeyedRandom(5);
        var analytic = new List<double>();
        var numeric = new List<double>();
        var draw = 0UL;
        foreach (var (name, g) in grads)
        {
            var picks = Enumerable.Range(0, g.Length).OrderByDescending(i => Math.Abs(g[i])).Take(3).ToList();
            for (var r = 0; r < 4; r++)
                picks.Add((int)(rng.Bits(draw++) % (ulong)g.Length));
            foreach (var i in picks.Distinct())
            {
                var v = values[name];
                var keep = v[i];
                var h = 1e-5 * Math.Max(1, Math.Abs(keep));
                v[i] = keep + h;
                var up = ReferenceLoss(config, P);
                v[i] = keep - h;
                var down = ReferenceLoss(config, P);
                v[i] = keep;
                numeric.Add((up - down) / (2 * h));
                analytic.Add(g[i]);
            }
        }
        double diff = 0, norm = 0;
        for (var i = 0; i < analytic.Count; i++)
        {
            diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            norm += numeric[i] * numeric[i];
        }
        var rel = Math.Sqrt(diff / norm);
        TestContext.Out.WriteLine($"{analytic.Count} coordinates over {grads.Count} tensors, relative error {rel:E2}");
        Assert.That(rel, Is.LessThan(1e-3), "norm-wise relative error of the sampled gradient");
        Assert.That(numeric.Count(x => Math.Abs(x) > 1e-6), Is.GreaterThan(grads.Count), "the check sees non-zero gradients");
    }

    private static double LogSoftmax(ReadOnlySpan<double> row, int index)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        var sum = 0.0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return row[index] - max - Math.Log(sum);
    }

    private static double Cos(double[] a, double[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.Sqrt(aa * bb);
    }
}
