using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Metrics;

public sealed class RankingMetricsTests
{
    private static readonly float[] Scores = [0.5f, 0.9f, 0.5f, 0.1f, 0.9f];

    [Test]
    public void Rank_counts_higher_scores_and_ties_at_lower_indices() =>
        Assert.That(RankingMetrics.Rank(Scores, 2, []), Is.EqualTo(4));

    [Test]
    public void Rank_ignores_history_items_once_and_never_masks_the_target()
    {
        Assert.That(RankingMetrics.Rank(Scores, 2, [1]), Is.EqualTo(3));
        Assert.That(RankingMetrics.Rank(Scores, 2, [1, 1, 2, 3]), Is.EqualTo(3));
    }

    [Test]
    public void Rank_matches_a_sort_on_a_long_vector()
    {
        var random = new Random(7);
        var scores = Enumerable.Range(0, 301).Select(_ => (float)Math.Round(random.NextDouble(), 2)).ToArray();
        int[] history = [3, 17, 250, 17];
        foreach (var target in new[] { 0, 5, 150, 300 })
        {
            var order = Enumerable.Range(0, scores.Length)
                .Where(i => i == target || !history.Contains(i))
                .OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
            Assert.That(RankingMetrics.Rank(scores, target, history), Is.EqualTo(order.IndexOf(target) + 1), $"target {target}");
        }
    }

    [Test]
    public void Rank_rejects_nan_scores()
    {
        var scores = new float[40];
        scores[33] = float.NaN;
        Assert.Throws<ArgumentException>(() => RankingMetrics.Rank(scores, 0, []));
    }

    [TestCase(3, 5, 1.0, 0.5)]
    [TestCase(1, 5, 1.0, 1.0)]
    [TestCase(3, 2, 0.0, 0.0)]
    public void Hit_and_ndcg_from_the_rank(int rank, int k, double hit, double ndcg)
    {
        Assert.That(RankingMetrics.Hit(rank, k), Is.EqualTo(hit));
        Assert.That(RankingMetrics.Ndcg(rank, k), Is.EqualTo(ndcg).Within(1e-12));
    }

    [Test]
    public void Mean_averages_over_users()
    {
        var (hit, ndcg) = RankingMetrics.Mean([1, 3, 10], 5);
        Assert.That(hit, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(ndcg, Is.EqualTo(0.5).Within(1e-12));
    }
}
