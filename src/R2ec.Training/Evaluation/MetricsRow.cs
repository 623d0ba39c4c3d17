using System.Globalization;
using System.Text;
using R2ec.RecPO;

namespace R2ec.Training.Evaluation;

/// <summary>Hit@K and NDCG@K for K = 5, 10, 20 of one method over one set of users.</summary>
/// <param name="Method">The method's name in the table.</param>
/// <param name="Users">How many users the means are over.</param>
/// <param name="Hit">Hit@5, Hit@10, Hit@20.</param>
/// <param name="Ndcg">NDCG@5, NDCG@10, NDCG@20.</param>
public sealed record MetricsRow(string Method, int Users, double[] Hit, double[] Ndcg)
{
    /// <summary>The cut-offs of the table.</summary>
    public static readonly int[] Cutoffs = [5, 10, 20];

    /// <summary>The row of a method from its users' 1-based ranks.</summary>
    public static MetricsRow FromRanks(string method, ReadOnlySpan<int> ranks)
    {
        var hit = new double[Cutoffs.Length];
        var ndcg = new double[Cutoffs.Length];
        for (var i = 0; i < Cutoffs.Length; i++)
            (hit[i], ndcg[i]) = RankingMetrics.Mean(ranks, Cutoffs[i]);
        return new MetricsRow(method, ranks.Length, hit, ndcg);
    }

    /// <summary>A Markdown table of rows (one row per method).</summary>
    public static string Markdown(IEnumerable<MetricsRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| method | samples | Hit@5 | Hit@10 | Hit@20 | NDCG@5 | NDCG@10 | NDCG@20 |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Method} | {r.Users} | {string.Join(" | ", r.Hit.Concat(r.Ndcg).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} |");
        return sb.ToString();
    }
}
