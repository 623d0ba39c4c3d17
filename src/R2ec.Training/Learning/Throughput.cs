using System.Globalization;
using System.Text;
using R2ec.Training.Messages;

namespace R2ec.Training.Learning;

/// <summary>
/// Throughput of RecPO steps: trajectories per second, the mean step-time split, and the orchestration overhead:
/// the share of step time not spent in model compute, <c>1 - (rollout compute / parallel workers + reward + learner compute) / step</c>,
/// with parallel workers = the workers that sampled the step, at most the cores when they share this machine. With one
/// rollout worker every term is measured on the
/// critical path, so the figure is exact; with more it assumes the workers' compute overlapped perfectly (a lower bound
/// on compute time, so an upper bound on overhead is not claimed).
/// </summary>
/// <param name="Steps">Steps summarised.</param>
/// <param name="Trajectories">Trajectories sampled.</param>
/// <param name="StepSeconds">Total step wall time.</param>
/// <param name="RolloutSeconds">Total rollout phase (plan to last group in).</param>
/// <param name="RewardSeconds">Total reward-actor time.</param>
/// <param name="LearnSeconds">Total learner time in PPO epochs.</param>
/// <param name="BroadcastSeconds">Total time publishing weights and the item table.</param>
/// <param name="ComputeSeconds">Model compute on the critical path, as defined above.</param>
/// <param name="Workers">The most rollout workers that sampled one step.</param>
public sealed record Throughput(int Steps, long Trajectories, double StepSeconds, double RolloutSeconds, double RewardSeconds,
    double LearnSeconds, double BroadcastSeconds, double ComputeSeconds, int Workers)
{
    /// <summary>Trajectories per second of step time.</summary>
    public double TrajectoriesPerSecond => StepSeconds > 0 ? Trajectories / StepSeconds : 0;

    /// <summary>Share of step time not spent in model compute.</summary>
    public double OverheadFraction => StepSeconds > 0 ? Math.Max(0, 1 - ComputeSeconds / StepSeconds) : 0;

    /// <summary>Summarises <paramref name="steps"/>.</summary>
    /// <param name="steps">Metrics of the steps.</param>
    /// <param name="cores">The cores the workers share when they all run on this machine; null when each has its own.</param>
    public static Throughput Of(IReadOnlyList<StepMetrics> steps, int? cores)
    {
        double Parallel(StepMetrics m) => Math.Max(1, Math.Min(m.RolloutWorkers, cores ?? int.MaxValue));
        return new Throughput(steps.Count, steps.Sum(m => (long)m.Trajectories), steps.Sum(m => m.StepSeconds), steps.Sum(m => m.RolloutSeconds),
            steps.Sum(m => m.RewardSeconds), steps.Sum(m => m.LearnSeconds), steps.Sum(m => m.BroadcastSeconds),
            steps.Sum(m => m.RolloutComputeSeconds / Parallel(m) + m.RewardSeconds + m.LearnerComputeSeconds),
            steps.Count == 0 ? 0 : (int)steps.Max(m => m.RolloutWorkers));
    }

    /// <summary>A Markdown table of the figures.</summary>
    public string Markdown()
    {
        string S(double seconds) => Steps == 0 ? "–" : (seconds / Steps).ToString("F3", CultureInfo.InvariantCulture) + " s";
        var sb = new StringBuilder();
        sb.AppendLine("| measure | value |");
        sb.AppendLine("|---|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| RecPO steps | {Steps} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| trajectories/s | {TrajectoriesPerSecond:F1} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| mean step | {S(StepSeconds)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| rollout (incl. reward, pipelined) | {S(RolloutSeconds)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| reward | {S(RewardSeconds)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| learn | {S(LearnSeconds)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| broadcast (weights + item table) | {S(BroadcastSeconds)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| orchestration overhead | {OverheadFraction:P1} |");
        return sb.ToString();
    }
}
