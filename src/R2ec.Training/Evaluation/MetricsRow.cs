using System.Globalization;
using System.Text;
using R2ec.RecPO;

namespace R2ec.Training.Evaluation;

/// <summary>Hit@K and NDCG@K for K = 5, 10, 20 of one method over one set of users.</summary>
/// <param name="Method">The method's name in the table.</param>
/// <param name="Users">How many users the means are over.</param>
/// <param name="Hit">Hit@5, Hit@10, Hit@20.</param>
/// <param name="Ndcg">NDCG@5, NDCG@10, NDCG@20.</param>
/// <param name="Ranks">The users' 1-based ranks the means are over, when known (for standard errors and paired differences).</param>
public sealed record MetricsRow(string Method, int Users, double[] Hit, double[] Ndcg, int[]? Ranks = null)
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
        return new MetricsRow(method, ranks.Length, hit, ndcg, ranks.ToArray());
    }

    /// <summary>Bootstrap standard errors of Hit@K then NDCG@K (K = 5, 10, 20); null when the ranks are not known.</summary>
    public double[]? StandardErrors() => Ranks is { } ranks
        ? Cutoffs.Select(k => Bootstrap.StandardError(PerUser(ranks, k, ndcg: false)))
            .Concat(Cutoffs.Select(k => Bootstrap.StandardError(PerUser(ranks, k, ndcg: true)))).ToArray()
        : null;

    /// <summary>
    /// A line of the paired differences <paramref name="a"/> − <paramref name="b"/> at Hit@10 and NDCG@10 over the same users,
    /// with their 95 % bootstrap intervals; null when either row's ranks are unknown or their users differ.
    /// </summary>
    public static string? PairedLine(MetricsRow a, MetricsRow b)
    {
        if (a.Ranks is not { } ra || b.Ranks is not { } rb || ra.Length != rb.Length || ra.Length == 0)
            return null;
        var hit = Bootstrap.PairedDifference(PerUser(ra, 10, false), PerUser(rb, 10, false));
        var ndcg = Bootstrap.PairedDifference(PerUser(ra, 10, true), PerUser(rb, 10, true));
        static string F(double v) => v.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture);
        return $"{a.Method} − {b.Method}, paired over the same {ra.Length} users: Hit@10 {F(hit.Mean)} (95 % CI [{F(hit.Low)}, {F(hit.High)}]), " +
            $"NDCG@10 {F(ndcg.Mean)} (95 % CI [{F(ndcg.Low)}, {F(ndcg.High)}])";
    }

    private static double[] PerUser(int[] ranks, int k, bool ndcg) =>
        ranks.Select(r => ndcg ? RankingMetrics.Ndcg(r, k) : RankingMetrics.Hit(r, k)).ToArray();

    /// <summary>A Markdown table of rows (one row per method).</summary>
    public static string Markdown(IEnumerable<MetricsRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| method | samples | Hit@5 | Hit@10 | Hit@20 | NDCG@5 | NDCG@10 | NDCG@20 |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            // Each mean with its bootstrap standard error when the ranks are known.
            var errors = r.StandardErrors();
            var cells = r.Hit.Concat(r.Ndcg).Select((v, i) => v.ToString("F4", CultureInfo.InvariantCulture)
                + (errors is null ? "" : " ± " + errors[i].ToString("F4", CultureInfo.InvariantCulture)));
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Method} | {r.Users} | {string.Join(" | ", cells)} |");
        }
        return sb.ToString();
    }
}
