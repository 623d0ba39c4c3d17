using R2ec.Model.Policy;

namespace R2ec.Model.Tests.Support;

/// <summary>
/// A float64 Qwen2 forward written from the Hugging Face modelling code's definitions (rotate_half rotary embedding,
/// grouped-query attention, SwiGLU, RMSNorm), over tensors in Hugging Face layout: the independent oracle for loading.
/// </summary>
internal static class Qwen2Reference
{
    /// <summary>Final-norm hidden states [seq, d] of one sequence.</summary>
    public static double[] Hidden(Qwen2Config c, Func<string, double[]> p, int[] ids)
    {
        int d = c.HiddenSize, dh = c.HeadDim, heads = c.NumAttentionHeads, kvh = c.NumKeyValueHeads, f = c.IntermediateSize, t = ids.Length;
        var emb = p("model.embed_tokens.weight");
        var x = new double[t * d];
        for (var i = 0; i < t; i++)
            Array.Copy(emb, ids[i] * d, x, i * d, d);
        for (var l = 0; l < c.NumHiddenLayers; l++)
        {
            var n = $"model.layers.{l}.";
            var h = Rms(x, d, p(n + "input_layernorm.weight"), c.RmsNormEps);
            var q = Lin(h, d, p(n + "self_attn.q_proj.weight"), heads * dh, p(n + "self_attn.q_proj.bias"));
            var k = Lin(h, d, p(n + "self_attn.k_proj.weight"), kvh * dh, p(n + "self_attn.k_proj.bias"));
            var v = Lin(h, d, p(n + "self_attn.v_proj.weight"), kvh * dh, p(n + "self_attn.v_proj.bias"));
            RotateHalf(q, heads, dh, c.RopeTheta);
            RotateHalf(k, kvh, dh, c.RopeTheta);
            var a = new double[t * heads * dh];
            for (var hd = 0; hd < heads; hd++)
            {
                var g = hd / (heads / kvh);
                for (var i = 0; i < t; i++)
                {
                    var s = new double[i + 1];
                    for (var j = 0; j <= i; j++)
                    {
                        for (var e = 0; e < dh; e++)
                            s[j] += q[i * heads * dh + hd * dh + e] * k[j * kvh * dh + g * dh + e];
                        s[j] /= Math.Sqrt(dh);
                    }
                    var max = s.Max();
                    var sum = s.Sum(z => Math.Exp(z - max));
                    for (var j = 0; j <= i; j++)
                    {
                        var w = Math.Exp(s[j] - max) / sum;
                        for (var e = 0; e < dh; e++)
                            a[i * heads * dh + hd * dh + e] += w * v[j * kvh * dh + g * dh + e];
                    }
                }
            }
            Add(x, Lin(a, heads * dh, p(n + "self_attn.o_proj.weight"), d, null));
            h = Rms(x, d, p(n + "post_attention_layernorm.weight"), c.RmsNormEps);
            var gate = Lin(h, d, p(n + "mlp.gate_proj.weight"), f, null);
            var up = Lin(h, d, p(n + "mlp.up_proj.weight"), f, null);
            for (var i = 0; i < gate.Length; i++)
                gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
            Add(x, Lin(gate, f, p(n + "mlp.down_proj.weight"), d, null));
        }
        return Rms(x, d, p("model.norm.weight"), c.RmsNormEps);
    }

    /// <summary>LM logits [seq, vocab] of one sequence.</summary>
    public static double[] Logits(Qwen2Config c, Func<string, double[]> p, int[] ids) =>
        Lin(Hidden(c, p, ids), c.HiddenSize, p(c.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"), c.VocabSize, null);

    private static void RotateHalf(double[] x, int heads, int dh, double theta)
    {
        var half = dh / 2;
        var rows = x.Length / (heads * dh);
        for (var pos = 0; pos < rows; pos++)
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < half; i++)
        {
            var angle = pos * Math.Pow(theta, -2.0 * i / dh);
            var o = pos * heads * dh + h * dh;
            double x1 = x[o + i], x2 = x[o + i + half];
            x[o + i] = x1 * Math.Cos(angle) - x2 * Math.Sin(angle);
            x[o + i + half] = x2 * Math.Cos(angle) + x1 * Math.Sin(angle);
        }
    }

    private static double[] Rms(double[] x, int d, double[] w, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / d; r++)
        {
            var ms = 0.0;
            for (var i = 0; i < d; i++)
                ms += x[r * d + i] * x[r * d + i];
            var inv = 1 / Math.Sqrt(ms / d + eps);
            for (var i = 0; i < d; i++)
                y[r * d + i] = x[r * d + i] * inv * w[i];
        }
        return y;
    }

    private static double[] Lin(double[] x, int inDim, double[] w, int outDim, double[]? b)
    {
        var rows = x.Length / inDim;
        var y = new double[rows * outDim];
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outDim; o++)
        {
            var s = b?[o] ?? 0;
            for (var i = 0; i < inDim; i++)
                s += x[r * inDim + i] * w[o * inDim + i];
            y[r * outDim + o] = s;
        }
        return y;
    }

    private static void Add(double[] x, double[] y)
    {
        for (var i = 0; i < x.Length; i++)
            x[i] += y[i];
    }
}
