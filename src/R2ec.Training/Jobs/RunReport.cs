using System.Globalization;
using System.Text;
using R2ec.Training.Baselines;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;
using R2ec.Training.Experiments;
using R2ec.Training.Learning;
using R2ec.Training.Reporting;

namespace R2ec.Training.Jobs;

/// <summary>The run's <c>report.md</c>: what ran, the test table and the RecPO throughput of the invocation.</summary>
internal static class RunReport
{
    /// <summary>The report's markdown.</summary>
    public static string Markdown(RunDirectory run, JobOptions options, TrainingData data, string model, IReadOnlyList<MetricsRow> rows,
        JobState state, Throughput throughput, TimeSpan wallTime, IReadOnlyList<ReasoningExample>? examples = null,
        SasRecTraining? sasrec = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# R2ec run `{Path.GetFileName(run.Root)}`");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- dataset: {data.Name} ({data.ItemCount} items, {data.Dataset.Train.Count} train / {data.Dataset.Valid.Count} valid / {data.Dataset.Test.Count} test samples)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- model: {model}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- stages: LM warm-up {options.Stages.LmWarmupSteps} steps, recommendation warm-up {options.Stages.RecWarmupSteps} steps, RecPO {options.Stages.RecPOSteps} steps; final policy version {state.PolicyVersion}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- rollout: {options.Rollout.Workers} workers, G = {options.Rollout.GroupSize}, {options.Learner.UsersPerStep} users per step, seed {options.Run.Seed}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- wall time of this invocation: {wallTime.TotalSeconds:F1} s");
        sb.AppendLine();
        sb.AppendLine("Test split, full ranking over all items, history masked; every row over the same test users:");
        sb.AppendLine();
        sb.Append(MetricsRow.Markdown(rows));
        sb.AppendLine();
        sb.AppendLine("Means ± bootstrap standard errors over the users.");
        if (rows.FirstOrDefault(r => r.Method == TrainingJob.WithRecPO) is { } recpo)
        {
            foreach (var other in new[] { TrainingJob.WithoutReasoning, TrainingJob.ReasoningWithoutRecPO, SasRecBaseline.Method })
            {
                if (rows.FirstOrDefault(r => r.Method == other) is { } baseline && MetricsRow.PairedLine(recpo, baseline) is { } paired)
                    sb.AppendLine().AppendLine(paired);
            }
        }
        if (sasrec is not null)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"SASRec baseline: {options.Baselines.SasRecBlocks} blocks, d {options.Baselines.SasRecHiddenSize}, {options.Baselines.SasRecHeads} head(s), " +
                $"{sasrec.Steps} Adam steps of {options.Baselines.SasRecBatchSize} train sequences (window {options.Data.HistoryWindow}) at {options.Baselines.SasRecLearningRate:G3}, " +
                $"full-softmax next-item loss {sasrec.FirstLoss:F3} → {sasrec.LastLoss:F3}; trained in {sasrec.CpuSeconds:F1} CPU s ({sasrec.WallSeconds:F1} s wall), " +
                $"beside {RunMetrics.WarmupComputeSeconds(run.Metrics):F1} s of learner compute in the R2ec warm-ups.");
        }
        if (examples is { Count: > 0 })
        {
            sb.AppendLine();
            sb.AppendLine("What the RecPO policy writes (greedy reasoning of the first test samples), the target's rank and the reward:");
            sb.AppendLine();
            sb.Append(RunCharts.ExamplesMarkdown(examples));
        }
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"RecPO throughput of this invocation (up to {throughput.Workers} rollout workers per step, {Environment.ProcessorCount} cores on the learner's node):");
        sb.AppendLine();
        sb.Append(throughput.Markdown());
        sb.AppendLine();
        sb.AppendLine("Configuration: `config.json`. Events: `events.jsonl`. Per-step metrics: `metrics.jsonl`.");
        return sb.ToString();
    }
}
