using R2ec.Data.Datasets;
using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Scoring;

/// <summary>What a rollout worker sends for each sampled trajectory: tokens, log-probs and the target's rank and probability.</summary>
public static class TrajectoryMessages
{
    /// <summary>The wire form of each trajectory of <paramref name="sampled"/>, ranked against <paramref name="sample"/>'s target.</summary>
    public static IEnumerable<Trajectory> From(SampledGroup sampled, Sample sample) =>
        sampled.Trajectories.Select((t, g) => new Trajectory
        {
            GroupIndex = (uint)g,
            TokenIds = { t.Tokens },
            SamplingLogprobs = { t.SamplingLogprobs },
            PlainLogprobs = { t.PlainLogprobs },
            AnswerAppended = t.AnswerAppended,
            TargetRank = (uint)SampleRanking.Rank(t.Scores, sample),
            TargetProb = SampleRanking.TargetProbability(t.Scores, sample),
        });
}
