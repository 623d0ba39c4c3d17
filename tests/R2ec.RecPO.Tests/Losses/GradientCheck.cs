namespace R2ec.RecPO.Tests.Losses;

/// <summary>Central finite differences of a scalar function of a float vector, evaluated in double.</summary>
internal static class GradientCheck
{
    public static double[] Numeric(float[] x, Func<float[], double> f, float h = 1e-3f)
    {
        var gradient = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var keep = x[i];
            x[i] = keep + h;
            var up = f(x);
            x[i] = keep - h;
            var down = f(x);
            x[i] = keep;
            gradient[i] = (up - down) / (2.0 * h);
        }
        return gradient;
    }
}
