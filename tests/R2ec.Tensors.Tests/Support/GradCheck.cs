using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Tensors.Tests.Support;

/// <summary>
/// Checks an op's float32 forward and backward against a float64 reference: the loss is Σ r∘f(x) for fixed random r,
/// the reference gradient is a central difference of the float64 forward.
/// </summary>
internal static class GradCheck
{
    public const double Tolerance = 1e-3;

    public static double[] Random(int n, int seed, double scale = 1)
    {
        var rng = new KeyedRandom((ulong)seed);
        return Enumerable.Range(0, n).Select(i => (double)(float)(rng.Normal((ulong)i) * scale)).ToArray();
    }

    /// <param name="inputs">Input values (float-representable) and shapes.</param>
    /// <param name="reference">Float64 forward.</param>
    /// <param name="op">The op under test, on parameters holding the inputs.</param>
    public static void Check(string name, (double[] Values, int[] Shape)[] inputs, Func<double[][], double[]> reference,
        Func<Tape, Variable[], Variable> op, double tolerance = Tolerance)
    {
        var vars = inputs.Select((x, i) => Variable.Parameter(Tensor.FromArray(x.Values.Select(v => (float)v).ToArray(), x.Shape), $"in{i}")).ToArray();
        var values = inputs.Select(x => x.Values).ToArray();
        var expected = reference(values);
        var r = Random(expected.Length, 991);
        using (var tape = new Tape())
        {
            var y = op(tape, vars);
            Assert.That(y.Value.Length, Is.EqualTo(expected.Length), $"{name}: output size");
            AssertClose(y.Value.ToArray().Select(v => (double)v).ToArray(), expected, 1e-4, $"{name}: forward");
            var loss = Reduce.WeightedSum(tape, y, r.Select(v => (float)v).ToArray());
            tape.Backward(loss);
        }
        double Loss(double[][] x)
        {
            var f = reference(x);
            var s = 0.0;
            for (var i = 0; i < f.Length; i++)
                s += r[i] * f[i];
            return s;
        }
        for (var j = 0; j < inputs.Length; j++)
        {
            var numeric = new double[values[j].Length];
            for (var i = 0; i < numeric.Length; i++)
            {
                var keep = values[j][i];
                var h = 1e-6 * Math.Max(1, Math.Abs(keep));
                values[j][i] = keep + h;
                var up = Loss(values);
                values[j][i] = keep - h;
                var down = Loss(values);
                values[j][i] = keep;
                numeric[i] = (up - down) / (2 * h);
            }
            var analytic = vars[j].Grad?.ToArray().Select(v => (double)v).ToArray() ?? new double[numeric.Length];
            AssertClose(analytic, numeric, tolerance, $"{name}: gradient of input {j}");
        }
    }

    /// <summary>Norm-wise relative error ‖a − b‖ / max(‖a‖, ‖b‖, 1e-12) below <paramref name="tolerance"/>.</summary>
    public static void AssertClose(double[] actual, double[] expected, double tolerance, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        double diff = 0, na = 0, nb = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            na += actual[i] * actual[i];
            nb += expected[i] * expected[i];
        }
        var rel = Math.Sqrt(diff) / Math.Max(Math.Sqrt(Math.Max(na, nb)), 1e-12);
        Assert.That(rel, Is.LessThan(tolerance), $"{what}: relative error {rel:E2}");
    }
}
