using System.Numerics;

namespace R2ec.RecPO;

/// <summary>
/// Full-ranking evaluation (DESIGN.md §2 step 7): the target's 1-based rank among all items with the user's history
/// masked, and Hit@K / NDCG@K from it. Ties are broken by item index (a lower index ranks first), so a rank never
/// depends on sort stability or thread order.
/// </summary>
public static class RankingMetrics
{
    /// <summary>
    /// The 1-based rank of <paramref name="target"/>: 1 + the number of non-history items scoring higher, or equal with
    /// a lower index. The target itself is never masked, even when it appears in <paramref name="history"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The target or a history item is out of range, or a score is NaN.</exception>
    public static int Rank(ReadOnlySpan<float> scores, int target, ReadOnlySpan<int> history)
    {
        if ((uint)target >= (uint)scores.Length)
            throw new ArgumentException($"target item {target} is outside the {scores.Length} scored items", nameof(target));
        var t = scores[target];
        // Items before the target win ties, items after it do not.
        var ahead = CountAtLeast(scores[..target], t, orEqual: true) + CountAtLeast(scores[(target + 1)..], t, orEqual: false);
        for (var h = 0; h < history.Length; h++)
        {
            var item = history[h];
            if ((uint)item >= (uint)scores.Length)
                throw new ArgumentException($"history entry {h} is item {item}, outside the {scores.Length} scored items", nameof(history));
            if (item == target || history[..h].Contains(item)) continue;
            if (scores[item] > t || (scores[item] == t && item < target)) ahead--;
        }
        return ahead + 1;
    }

    /// <summary>Hit@K of one user: 1 when the rank is within K, else 0.</summary>
    public static double Hit(int rank, int k)
    {
        Check(rank, k);
        return rank <= k ? 1 : 0;
    }

    /// <summary>NDCG@K of one user with one relevant item: <c>1/log2(rank+1)</c> within K, else 0.</summary>
    public static double Ndcg(int rank, int k)
    {
        Check(rank, k);
        return rank <= k ? 1 / Math.Log2(rank + 1.0) : 0;
    }

    /// <summary>Mean Hit@K and NDCG@K over many users' ranks (0 and 0 for none).</summary>
    public static (double Hit, double Ndcg) Mean(ReadOnlySpan<int> ranks, int k)
    {
        if (ranks.IsEmpty) return (0, 0);
        double hit = 0, ndcg = 0;
        foreach (var rank in ranks)
        {
            hit += Hit(rank, k);
            ndcg += Ndcg(rank, k);
        }
        return (hit / ranks.Length, ndcg / ranks.Length);
    }

    private static void Check(int rank, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
    }

    private static int CountAtLeast(ReadOnlySpan<float> scores, float threshold, bool orEqual)
    {
        if (float.IsNaN(threshold))
            throw new ArgumentException("the target's score is NaN", nameof(scores));
        var count = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count)
        {
            var limit = new Vector<float>(threshold);
            var counts = Vector<int>.Zero;
            for (; i <= scores.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(scores.Slice(i, Vector<float>.Count));
                if (!Vector.EqualsAll(v, v))
                    throw new ArgumentException("a score is NaN", nameof(scores));
                // Comparison lanes are all-ones (-1) where true.
                counts -= orEqual ? Vector.GreaterThanOrEqual(v, limit) : Vector.GreaterThan(v, limit);
            }
            count = Vector.Sum(counts);
        }
        for (; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i]))
                throw new ArgumentException("a score is NaN", nameof(scores));
            if (scores[i] > threshold || (orEqual && scores[i] == threshold)) count++;
        }
        return count;
    }
}
