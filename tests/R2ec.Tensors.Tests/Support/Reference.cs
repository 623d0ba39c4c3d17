namespace R2ec.Tensors.Tests.Support;

/// <summary>Float64 reference implementations, written for clarity, that the float32 kernels are checked against.</summary>
internal static class Reference
{
    public static double[] Linear(double[] x, int rows, int inDim, double[] w, int outDim, double[]? b, double scale = 1)
    {
        var y = new double[rows * outDim];
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outDim; o++)
        {
            var s = 0.0;
            for (var i = 0; i < inDim; i++)
                s += x[r * inDim + i] * w[o * inDim + i];
            y[r * outDim + o] = scale * s + (b?[o] ?? 0);
        }
        return y;
    }

    public static double[] RmsNorm(double[] x, int dim, double[] w, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / dim; r++)
        {
            var ms = 0.0;
            for (var i = 0; i < dim; i++)
                ms += x[r * dim + i] * x[r * dim + i];
            var s = 1 / Math.Sqrt(ms / dim + eps);
            for (var i = 0; i < dim; i++)
                y[r * dim + i] = x[r * dim + i] * s * w[i];
        }
        return y;
    }

    public static double[] Rope(double[] x, int width, int headDim, int seq, int start, double theta)
    {
        var y = (double[])x.Clone();
        for (var r = 0; r < x.Length / width; r++)
        {
            var pos = start + r % seq;
            for (var h = 0; h < width; h += headDim)
            for (var i = 0; i < headDim / 2; i++)
            {
                var a = pos * Math.Pow(theta, -2.0 * i / headDim);
                var x1 = x[r * width + h + 2 * i];
                var x2 = x[r * width + h + 2 * i + 1];
                y[r * width + h + 2 * i] = x1 * Math.Cos(a) - x2 * Math.Sin(a);
                y[r * width + h + 2 * i + 1] = x1 * Math.Sin(a) + x2 * Math.Cos(a);
            }
        }
        return y;
    }

    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    public static double[] SwiGlu(double[] g, double[] u) => g.Select((x, i) => Silu(x) * u[i]).ToArray();

    public static double[] Add(double[] a, double[] b) => a.Select((x, i) => x + b[i]).ToArray();

    public static double[] Softmax(double[] x, int cols, bool log)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / cols; r++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < cols; j++)
                max = Math.Max(max, x[r * cols + j]);
            var sum = 0.0;
            for (var j = 0; j < cols; j++)
                sum += Math.Exp(x[r * cols + j] - max);
            for (var j = 0; j < cols; j++)
                y[r * cols + j] = log ? x[r * cols + j] - max - Math.Log(sum) : Math.Exp(x[r * cols + j] - max) / sum;
        }
        return y;
    }

    public static double[] TokenLogProbs(double[] logits, int cols, int[] targets, int ignore)
    {
        var lsm = Softmax(logits, cols, log: true);
        return targets.Select((t, r) => t == ignore ? 0 : lsm[r * cols + t]).ToArray();
    }

    public static double[] L2Normalize(double[] x, int cols)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / cols; r++)
        {
            var n = 0.0;
            for (var j = 0; j < cols; j++)
                n += x[r * cols + j] * x[r * cols + j];
            n = Math.Max(Math.Sqrt(n), 1e-12);
            for (var j = 0; j < cols; j++)
                y[r * cols + j] = x[r * cols + j] / n;
        }
        return y;
    }

    public static double[] Gather(double[] table, int dim, int[] ids)
    {
        var y = new double[ids.Length * dim];
        for (var i = 0; i < ids.Length; i++)
            Array.Copy(table, ids[i] * dim, y, i * dim, dim);
        return y;
    }

    /// <summary>Causal grouped-query attention with rotary embedding; q [B·T, H·dh], k/v [B·T, Hkv·dh].</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int batch, int seq, int heads, int kvHeads, int dh, double theta)
    {
        var qr = Rope(q, heads * dh, dh, seq, 0, theta);
        var kr = Rope(k, kvHeads * dh, dh, seq, 0, theta);
        var o = new double[q.Length];
        var group = heads / kvHeads;
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        {
            var g = h / group;
            for (var i = 0; i < seq; i++)
            {
                var s = new double[i + 1];
                for (var j = 0; j <= i; j++)
                {
                    var dot = 0.0;
                    for (var d = 0; d < dh; d++)
                        dot += qr[(b * seq + i) * heads * dh + h * dh + d] * kr[(b * seq + j) * kvHeads * dh + g * dh + d];
                    s[j] = dot / Math.Sqrt(dh);
                }
                var p = Softmax(s, i + 1, log: false);
                for (var d = 0; d < dh; d++)
                {
                    var acc = 0.0;
                    for (var j = 0; j <= i; j++)
                        acc += p[j] * v[(b * seq + j) * kvHeads * dh + g * dh + d];
                    o[(b * seq + i) * heads * dh + h * dh + d] = acc;
                }
            }
        }
        return o;
    }
}
