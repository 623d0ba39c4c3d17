using R2ec.Data.Datasets;
using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Messages;

namespace R2ec.Training.Learning;

/// <summary>
/// The learner's RecPO update (DESIGN.md §2 step 5) as plain calls, so the Learner actor and the tests that prove the
/// loop learns run one and the same code: rewarded groups become learn rows (each trajectory with its own advantage,
/// relabel flag and sampling-time log-probs), then μ PPO epochs of mini-batches go through <see cref="IPolicyCompute"/>.
/// </summary>
public static class RecPOUpdate
{
    /// <summary>
    /// One row per trajectory of <paramref name="ordered"/> (already ordered by (user, sample)), in group-index order, with
    /// the group's advantage and relabel flag of that trajectory and its old (sampling-time) log-probs.
    /// </summary>
    /// <exception cref="ArgumentException">A group's advantages or relabel mask do not cover its trajectories.</exception>
    public static List<LearnRow> Rows(IReadOnlyList<RewardedGroup> ordered, IReadOnlyList<Sample> train)
    {
        var rows = new List<LearnRow>();
        foreach (var g in ordered)
        {
            if (g.Advantages.Count != g.Group.Trajectories.Count || g.RelabelMask.Count != g.Group.Trajectories.Count)
                throw new ArgumentException(
                    $"group of step {g.Group.Step}, sample {g.Group.SampleIndex} has {g.Group.Trajectories.Count} trajectories, " +
                    $"{g.Advantages.Count} advantages and {g.RelabelMask.Count} relabel flags");
            var sample = train[checked((int)g.Group.SampleIndex)];
            var prompt = g.Group.PromptTokenIds.ToArray();
            for (var i = 0; i < g.Group.Trajectories.Count; i++)
            {
                var t = g.Group.Trajectories[i];
                rows.Add(new LearnRow(sample, prompt, t.TokenIds.ToArray(), t.SamplingLogprobs.ToArray(), g.Advantages[i], g.RelabelMask[i], t.AnswerAppended));
            }
        }
        return rows;
    }

    /// <summary>The loss settings of a RecPO step at <paramref name="learningRate"/>.</summary>
    public static LearnSettings Settings(JobOptions options, double learningRate) =>
        new(learningRate, options.RecPO.Tau, new ClipRange(options.RecPO.EpsLow, options.RecPO.EpsHigh),
            options.Learner.WeightDecay, options.Learner.GradClip, options.RecPO.TokenLossWeight, options.RecPO.ItemLossWeight,
            options.RecPO.ItemNegatives);

    /// <summary>
    /// μ PPO epochs over the rows' mini-batches: <see cref="IPolicyCompute.BeginStep"/> while the weights are still the
    /// sampling ones, then every mini-batch in plan order. Returns each mini-batch's statistics.
    /// </summary>
    public static List<LearnStats> Learn(IPolicyCompute policy, IReadOnlyList<LearnRow> rows, JobOptions options, double learningRate)
    {
        var plan = MiniBatchPlan.Create(rows.Count, options.Learner.MiniBatchSize, options.Learner.PpoEpochs, options.Learner.OptimizerStepPer);
        var settings = Settings(options, learningRate);
        var list = rows as List<LearnRow> ?? rows.ToList();
        policy.BeginStep(list, plan, settings);
        var stats = new List<LearnStats>(plan.MiniBatches.Count);
        foreach (var mb in plan.MiniBatches)
            stats.Add(policy.LearnMiniBatch(list.GetRange(mb.Start, mb.Count), mb, settings));
        return stats;
    }
}
