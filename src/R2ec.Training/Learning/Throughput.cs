using System.Globalization;
using System.Text;
using R2ec.Training.Messages;

namespace R2ec.Training.Learning;

/// <summary>
/// Throughput of RecPO steps: trajectories per second, the mean step-time split, and the orchestration overhead:
/// the share of step time not spent in model compute, <c>1 - (rollout compute / parallel workers + reward + learner compute) / step</c>,
/// with parallel workers = min(rollout workers, cores). With one rollout worker every term is measured on the
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
public sealed record Throughput(int Steps, long Trajectories, double StepSeconds, double RolloutSeconds, double RewardSeconds,
    double LearnSeconds, double BroadcastSeconds, double ComputeSeconds)
{
    /// <summary>Trajectories per second of step time.</summary>
    public double TrajectoriesPerSecond => StepSeconds > 0 ? Trajectories / StepSeconds : 0;

    /// <summary>Share of step time not spent in model compute.</summary>
    public double OverheadFraction => StepSeconds > 0 ? Math.Max(0, 1 - ComputeSeconds / StepSeconds) : 0;

    /// <summary>Summarises <paramref name="steps"/> run with <paramref name="workers"/> rollout workers.</summary>
    public static Throughput Of(IReadOnlyList<StepMetrics> steps, int workers)
    {
        var parallel = Math.Max(1, Math.Min(workers, Environment.ProcessorCount));
        return new Throughput(steps.Count, steps.Sum(m => (long)m.Trajectories), steps.Sum(m => m.StepSeconds), steps.Sum(m => m.RolloutSeconds),
            steps.Sum(m => m.RewardSeconds), steps.Sum(m => m.LearnSeconds), steps.Sum(m => m.BroadcastSeconds),
            steps.Sum(m => m.RolloutComputeSeconds / parallel + m.RewardSeconds + m.LearnerComputeSeconds));
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
