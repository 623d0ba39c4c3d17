using R2ec.Data.Datasets;
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
        Assert.That(MetricsRow.Markdown([row]), Does.Contain("| m | 3 | 0.3333 | 0.6667 | 0.6667 | 0.3333 |"));
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
