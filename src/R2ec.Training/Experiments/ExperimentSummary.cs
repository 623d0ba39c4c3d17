using System.Globalization;
using System.Text;
using R2ec.Training.Evaluation;

namespace R2ec.Training.Experiments;

/// <summary>A method's test row aggregated over seeds: the mean and sample standard deviation of each column.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="Seeds">Seeds that have the row.</param>
/// <param name="Mean">Hit@5, Hit@10, Hit@20, NDCG@5, NDCG@10, NDCG@20 averaged over the seeds.</param>
/// <param name="StandardDeviation">Their sample standard deviations over the seeds (0 for one seed).</param>
public sealed record AggregateRow(string Method, int Seeds, double[] Mean, double[] StandardDeviation);

/// <summary>
/// RecPO's mean training reward against a no-learning control's over the same steps (the same users in the same
/// order, because the sample order is keyed by seed and stage only): the step-wise paired difference and its standard error.
/// </summary>
/// <param name="Seed">The seed both runs used.</param>
/// <param name="FirstStep">First step compared (the second half of the RecPO steps).</param>
/// <param name="Steps">Steps compared.</param>
/// <param name="RecPO">RecPO's mean training reward over those steps.</param>
/// <param name="Control">The control's mean training reward over those steps.</param>
/// <param name="Difference">Mean over the steps of RecPO's reward minus the control's.</param>
/// <param name="StandardError">Standard error of that mean (sample standard deviation of the differences / √steps).</param>
public sealed record PairedReward(int Seed, long FirstStep, int Steps, double RecPO, double Control, double Difference, double StandardError)
{
    /// <summary>The difference in standard errors (∞ when every step's difference is the same and positive).</summary>
    public double Z => StandardError > 0 ? Difference / StandardError : Difference == 0 ? 0 : double.PositiveInfinity * Math.Sign(Difference);
}

/// <summary>What one seed of an experiment produced.</summary>
/// <param name="Seed">The seed (<c>Run:Seed</c>).</param>
/// <param name="Rows">The RecPO run's test rows.</param>
/// <param name="Steps">The RecPO run's steps.</param>
/// <param name="ControlRows">The control's test rows, or null without a control.</param>
/// <param name="ControlSteps">The control's steps, or null without a control.</param>
/// <param name="Validations">The RecPO run's validations, or null when not read.</param>
/// <param name="ControlValidations">The control's validations, or null without a control.</param>
public sealed record SeedOutcome(int Seed, IReadOnlyList<MetricsRow> Rows, IReadOnlyList<RecPOStepRecord> Steps,
    IReadOnlyList<MetricsRow>? ControlRows = null, IReadOnlyList<RecPOStepRecord>? ControlSteps = null,
    IReadOnlyList<ValidationRecord>? Validations = null, IReadOnlyList<ValidationRecord>? ControlValidations = null);

/// <summary>
/// Pure arithmetic of <c>r2ec experiment</c>: test rows aggregated over seeds and, per seed, RecPO's training reward
/// against the no-learning control's on the same steps. Judging a RecPO change by the trend within one run says
/// nothing, because the reward drifts with the users each step happens to see; the paired difference removes that.
/// </summary>
public static class ExperimentSummary
{
    /// <summary>Suffix of a control run's rows in the aggregated table.</summary>
    public const string ControlSuffix = " [control]";

    /// <summary>
    /// The rows of every seed aggregated per method, in the order the methods first appear. A method a seed lacks is
    /// averaged over the seeds that have it (<see cref="AggregateRow.Seeds"/> says how many).
    /// </summary>
    public static IReadOnlyList<AggregateRow> Aggregate(IEnumerable<IReadOnlyList<MetricsRow>> perSeed)
    {
        var values = new Dictionary<string, List<double[]>>();
        var order = new List<string>();
        foreach (var rows in perSeed)
        {
            foreach (var row in rows)
            {
                if (!values.TryGetValue(row.Method, out var list))
                {
                    values[row.Method] = list = [];
                    order.Add(row.Method);
                }
                list.Add([.. row.Hit, .. row.Ndcg]);
            }
        }
        return [.. order.Select(method =>
        {
            var list = values[method];
            var columns = list[0].Length;
            var mean = new double[columns];
            var sd = new double[columns];
            for (var c = 0; c < columns; c++)
                (mean[c], sd[c]) = MeanAndSd(list.Select(v => v[c]).ToArray());
            return new AggregateRow(method, list.Count, mean, sd);
        })];
    }

    /// <summary>
    /// RecPO's training reward minus the control's over the second half of the steps (steps after ⌊last/2⌋), paired
    /// by step number.
    /// </summary>
    /// <exception cref="ArgumentException">The runs do not have the same steps, or fewer than two steps are compared.</exception>
    public static PairedReward SecondHalf(int seed, IReadOnlyList<RecPOStepRecord> recpo, IReadOnlyList<RecPOStepRecord> control)
    {
        if (!recpo.Select(s => s.Step).SequenceEqual(control.Select(s => s.Step)))
            throw new ArgumentException($"seed {seed}: the RecPO run has steps {Describe(recpo)} and the control {Describe(control)}; they must be the same", nameof(control));
        var last = recpo.Count == 0 ? 0 : recpo[^1].Step;
        var first = last / 2 + 1;
        var pairs = recpo.Zip(control).Where(p => p.First.Step >= first).ToArray();
        if (pairs.Length < 2)
            throw new ArgumentException($"seed {seed}: {pairs.Length} steps in the second half of {last}; the paired difference needs at least two", nameof(recpo));
        var differences = pairs.Select(p => p.First.RewardMean - p.Second.RewardMean).ToArray();
        var (mean, sd) = MeanAndSd(differences);
        return new PairedReward(seed, first, pairs.Length, pairs.Average(p => p.First.RewardMean), pairs.Average(p => p.Second.RewardMean),
            mean, sd / Math.Sqrt(pairs.Length));
    }

    /// <summary>
    /// The paired valid-split difference of the RecPO run minus the control at the last step both validated with ranks
    /// recorded (the same valid users), as a line with 95 % intervals; null when there is no such step.
    /// </summary>
    public static string? LastValidation(IReadOnlyList<ValidationRecord> recpo, IReadOnlyList<ValidationRecord> control)
    {
        var last = recpo.Where(v => v.Ranks is not null).Select(v => v.Step)
            .Intersect(control.Where(v => v.Ranks is not null).Select(v => v.Step)).DefaultIfEmpty(-1).Max();
        if (last < 0)
            return null;
        var a = recpo.Single(v => v.Step == last);
        var b = control.Single(v => v.Step == last);
        return MetricsRow.PairedLine(MetricsRow.FromRanks($"valid after step {last}: RecPO", a.Ranks!), MetricsRow.FromRanks("control", b.Ranks!));
    }

    /// <summary>Mean reasoning length (generated tokens per trajectory) over the first and the last quarter of the steps.</summary>
    public static (double First, double Last) ReasoningLength(IReadOnlyList<RecPOStepRecord> steps)
    {
        if (steps.Count == 0)
            return (0, 0);
        var quarter = Math.Max(1, steps.Count / 4);
        return (steps.Take(quarter).Average(s => s.ReasoningTokens), steps.Skip(steps.Count - quarter).Average(s => s.ReasoningTokens));
    }

    /// <summary>
    /// The experiment's Markdown: the aggregated test rows, then one line per seed with the paired test difference of
    /// <paramref name="withRecPO"/> minus each of <paramref name="baselines"/> and, with a control, the paired training reward.
    /// </summary>
    public static string Markdown(IReadOnlyList<SeedOutcome> seeds, string withRecPO, IReadOnlyList<string> baselines)
    {
        var sb = new StringBuilder();
        var rows = Aggregate(seeds.Select(s => s.Rows).Concat(seeds.Where(s => s.ControlRows is not null)
            .Select(s => (IReadOnlyList<MetricsRow>)[.. s.ControlRows!.Select(r => r with { Method = r.Method + ControlSuffix })])));
        sb.AppendLine(CultureInfo.InvariantCulture, $"Test rows over seeds {string.Join(", ", seeds.Select(s => s.Seed))}: mean ± standard deviation across seeds.");
        sb.AppendLine();
        sb.AppendLine("| method | seeds | Hit@5 | Hit@10 | Hit@20 | NDCG@5 | NDCG@10 | NDCG@20 |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Method} | {r.Seeds} | {string.Join(" | ", r.Mean.Select((m, i) => $"{m:F4} ± {r.StandardDeviation[i]:F4}"))} |");
        sb.AppendLine();
        var control = seeds.All(s => s.ControlSteps is not null);
        sb.AppendLine(control
            ? $"Per seed: the paired test differences of {withRecPO} − each baseline (95 % bootstrap intervals), and RecPO's mean training reward over the second half of its steps against the no-learning control's on the same steps (same users, same order)."
            : $"Per seed: the paired test differences of {withRecPO} − each baseline (95 % bootstrap intervals); run with --control for the reward against a no-learning control.");
        sb.AppendLine();
        sb.AppendLine(control
            ? "| seed | paired test differences | RecPO reward | control reward | difference ± SE | z | reasoning tokens, first → last quarter (control) | valid split, RecPO − control |"
            : "| seed | paired test differences | reasoning tokens, first → last quarter |");
        sb.AppendLine(control ? "|---:|---|---:|---:|---:|---:|---|---|" : "|---:|---|---|");
        foreach (var s in seeds)
        {
            var recpo = s.Rows.FirstOrDefault(r => r.Method == withRecPO);
            var lines = baselines.Select(b => s.Rows.FirstOrDefault(r => r.Method == b))
                .Select(b => recpo is not null && b is not null ? MetricsRow.PairedLine(recpo, b) : null).OfType<string>().ToArray();
            var tested = lines.Length == 0 ? "–" : string.Join("; ", lines);
            var (first, last) = ReasoningLength(s.Steps);
            if (control)
            {
                var p = SecondHalf(s.Seed, s.Steps, s.ControlSteps!);
                var (cf, cl) = ReasoningLength(s.ControlSteps!);
                var valid = LastValidation(s.Validations ?? [], s.ControlValidations ?? []) ?? "–";
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Seed} | {tested} | {p.RecPO:F4} | {p.Control:F4} | {p.Difference:+0.0000;-0.0000} ± {p.StandardError:F4} (steps {p.FirstStep}–{p.FirstStep + p.Steps - 1}) | {p.Z:F2} | {first:F1} → {last:F1} ({cf:F1} → {cl:F1}) | {valid} |");
            }
            else
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {s.Seed} | {tested} | {first:F1} → {last:F1} |");
            }
        }
        return sb.ToString();
    }

    /// <summary>Mean and sample standard deviation (0 for fewer than two values).</summary>
    public static (double Mean, double StandardDeviation) MeanAndSd(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return (double.NaN, double.NaN);
        var mean = values.Average();
        if (values.Count < 2)
            return (mean, 0);
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)));
    }

    private static string Describe(IReadOnlyList<RecPOStepRecord> steps) =>
        steps.Count == 0 ? "none" : $"{steps[0].Step}–{steps[^1].Step} ({steps.Count})";
}
