using R2ec.Tensors;

namespace R2ec.Training.Evaluation;

/// <summary>
/// Bootstrap statistics over evaluation users. Resample r draws user indices from the stream (seed, r), whatever the
/// values, so every row of a table (all over the same users) is resampled with the same users, and paired
/// differences resample pairs: the same seed gives the same numbers.
/// </summary>
public static class Bootstrap
{
    /// <summary>Resamples of every statistic.</summary>
    public const int Resamples = 1000;

    /// <summary>Root seed of the resampling streams.</summary>
    public const ulong Seed = 0xB007;

    /// <summary>Bootstrap standard error of the mean of <paramref name="values"/> (0 for fewer than two values).</summary>
    public static double StandardError(ReadOnlySpan<double> values, int resamples = Resamples, ulong seed = Seed)
    {
        if (values.Length < 2)
            return 0;
        var means = Means(values, resamples, seed);
        var mean = means.Average();
        return Math.Sqrt(means.Sum(m => (m - mean) * (m - mean)) / (resamples - 1));
    }

    /// <summary>
    /// Mean of the paired differences <c>a[i] − b[i]</c> with its 95 % percentile bootstrap interval.
    /// </summary>
    /// <exception cref="ArgumentException">The two spans differ in length or are empty.</exception>
    public static (double Mean, double Low, double High) PairedDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b,
        int resamples = Resamples, ulong seed = Seed)
    {
        if (a.Length != b.Length || a.Length == 0)
            throw new ArgumentException($"paired values need the same, non-zero count: {a.Length} and {b.Length}", nameof(b));
        var diff = new double[a.Length];
        for (var i = 0; i < diff.Length; i++)
            diff[i] = a[i] - b[i];
        var means = Means(diff, resamples, seed);
        Array.Sort(means);
        return (diff.Average(), Percentile(means, 0.025), Percentile(means, 0.975));
    }

    private static double[] Means(ReadOnlySpan<double> values, int resamples, ulong seed)
    {
        if (resamples < 2)
            throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "need at least two resamples");
        var n = (ulong)values.Length;
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var random = new KeyedRandom(seed, (ulong)r);
            var sum = 0.0;
            for (var i = 0UL; i < n; i++)
                sum += values[(int)(random.Bits(i) % n)];
            means[r] = sum / n;
        }
        return means;
    }

    // Linear interpolation between the order statistics of sorted values.
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
