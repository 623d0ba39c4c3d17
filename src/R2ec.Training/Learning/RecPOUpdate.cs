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
                rows.Add(new LearnRow(sample, prompt, t.TokenIds.ToArray(), t.SamplingLogprobs.ToArray(), g.Advantages[i], g.RelabelMask[i], t.AnswerAppended,
                    BehaviourItemLogProb: t.TargetProb > 0 ? Math.Log(t.TargetProb) : double.NaN));
            }
        }
        return rows;
    }

    /// <summary>The loss settings of a RecPO step at <paramref name="learningRate"/>.</summary>
    public static LearnSettings Settings(JobOptions options, double learningRate) =>
        new(learningRate, options.RecPO.Tau, new ClipRange(options.RecPO.EpsLow, options.RecPO.EpsHigh),
            options.Learner.WeightDecay, options.Learner.GradClip, options.RecPO.TokenLossWeight, options.RecPO.ItemLossWeight,
            options.RecPO.ItemNegatives, options.Learner.MaxStaleness > 0 ? options.Learner.ImportanceCap : 0);

    /// <summary>
    /// μ PPO epochs over the rows' mini-batches: <see cref="IPolicyCompute.BeginStep"/> while the weights are still those
    /// the step starts from, then every mini-batch in plan order. Returns each mini-batch's statistics. With
    /// <c>Learner:MaxStaleness</c> &gt; 0 the rows were sampled by an older policy: the PPO ratio is then taken to the
    /// proximal log-probs (<see cref="Proximal"/>) and the sampling ones become the behaviour term of the importance weights.
    /// </summary>
    public static List<LearnStats> Learn(IPolicyCompute policy, IReadOnlyList<LearnRow> rows, JobOptions options, double learningRate)
    {
        var plan = MiniBatchPlan.Create(rows.Count, options.Learner.MiniBatchSize, options.Learner.PpoEpochs, options.Learner.OptimizerStepPer);
        var settings = Settings(options, learningRate);
        var list = rows as List<LearnRow> ?? rows.ToList();
        if (options.Learner.MaxStaleness > 0)
            list = Proximal(policy, list, options.Learner.MiniBatchSize);
        policy.BeginStep(list, plan, settings);
        var stats = new List<LearnStats>(plan.MiniBatches.Count);
        foreach (var mb in plan.MiniBatches)
            stats.Add(policy.LearnMiniBatch(list.GetRange(mb.Start, mb.Count), mb, settings));
        return stats;
    }

    /// <summary>
    /// The rows with the current weights' token log-probs as <see cref="LearnRow.OldLogprobs"/> (the proximal policy of
    /// decoupled PPO) and their sampling log-probs moved to <see cref="LearnRow.BehaviourLogprobs"/>; computed in chunks of
    /// <paramref name="chunk"/> rows so the forward stays the size of a mini-batch.
    /// </summary>
    public static List<LearnRow> Proximal(IPolicyCompute policy, IReadOnlyList<LearnRow> rows, int chunk)
    {
        var result = new List<LearnRow>(rows.Count);
        for (var start = 0; start < rows.Count; start += chunk)
        {
            var slice = rows.Skip(start).Take(chunk).ToList();
            var proximal = policy.TokenLogProbs(slice);
            for (var i = 0; i < slice.Count; i++)
                result.Add(slice[i] with { OldLogprobs = proximal[i], BehaviourLogprobs = slice[i].OldLogprobs });
        }
        return result;
    }
}
