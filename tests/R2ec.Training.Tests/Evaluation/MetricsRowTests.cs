using R2ec.Data.Datasets;
using R2ec.RecPO;
using R2ec.Training.Evaluation;
using R2ec.Training.Scoring;

namespace R2ec.Training.Tests.Evaluation;

public sealed class MetricsRowTests
{
    [Test]
    public void Row_IsTheMeanHitAndNdcgAtFiveTenTwenty()
    {
        var row = MetricsRow.FromRanks("m", [1, 6, 30]);

        Assert.That(row.Hit, Is.EqualTo(new[] { 1 / 3.0, 2 / 3.0, 2 / 3.0 }).Within(1e-12));
        Assert.That(row.Ndcg[0], Is.EqualTo(1 / 3.0).Within(1e-12));
        Assert.That(row.Ndcg[1], Is.EqualTo((1 + 1 / Math.Log2(7)) / 3).Within(1e-12));
        Assert.That(MetricsRow.Markdown([row]), Does.Contain("| m | 3 | 0.3333 ± 0.").And.Contain(" | 0.6667 ± 0."));
        Assert.That(MetricsRow.Markdown([row with { Ranks = null }]), Does.Contain("| m | 3 | 0.3333 | 0.6667 | 0.6667 | 0.3333 |"));
    }

    [Test]
    public void StandardError_IsCloseToTheBinomialOne()
    {
        // 400 users, a quarter hit at 10: the standard error of a proportion is sqrt(p(1-p)/n) ≈ 0.0217.
        var ranks = Enumerable.Range(0, 400).Select(i => i % 4 == 0 ? 3 : 50).ToArray();
        var se = MetricsRow.FromRanks("m", ranks).StandardErrors()!;
        Assert.That(se[1], Is.EqualTo(Math.Sqrt(0.25 * 0.75 / 400)).Within(0.003));
        Assert.That(se[1], Is.EqualTo(MetricsRow.FromRanks("m", ranks).StandardErrors()![1]), "same seed, same number");
    }

    [Test]
    public void PairedDifference_IntervalExcludesZeroOnlyForARealDifference()
    {
        var worse = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? 2 : 40).ToArray();
        var better = worse.Select((r, i) => i % 5 == 0 ? 1 : r).ToArray(); // a fifth of the users move into the top 10
        var (mean, low, high) = Bootstrap.PairedDifference(
            better.Select(r => RankingMetrics.Hit(r, 10)).ToArray(), worse.Select(r => RankingMetrics.Hit(r, 10)).ToArray());
        Assert.That(mean, Is.GreaterThan(0.1));
        Assert.That(low, Is.GreaterThan(0), "the interval is above zero");
        Assert.That(high, Is.GreaterThan(mean));
        var same = Bootstrap.PairedDifference(new double[] { 1, 0, 1, 0 }, new double[] { 0, 1, 0, 1 });
        Assert.That(same.Low, Is.LessThan(0));
        Assert.That(same.High, Is.GreaterThan(0));
        Assert.That(MetricsRow.PairedLine(MetricsRow.FromRanks("a", better), MetricsRow.FromRanks("b", worse)), Does.StartWith("a − b, paired over the same 300 users: Hit@10 +0."));
    }

    [Test]
    public void SampleRank_MasksHistoryButNotTheTarget()
    {
        float[] scores = [9, 8, 7, 6]; // items 1..4
        var sample = new Sample(0, "u", 3, [1, 2, 3], [float.NaN, float.NaN, float.NaN], [0, 0, 0], 3, float.NaN, 0);

        Assert.That(SampleRanking.Rank(scores, sample), Is.EqualTo(1));
        Assert.That(SampleRanking.TargetProbability(scores, sample), Is.EqualTo(Math.Exp(7) / (Math.Exp(7) + Math.Exp(6))).Within(1e-9));
    }
}
