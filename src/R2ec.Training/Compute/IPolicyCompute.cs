using R2ec.Data.Datasets;
using R2ec.Model.Recommendation;
using R2ec.RecPO;

namespace R2ec.Training.Compute;

/// <summary>
/// The one seam between the job's actors and the model: everything that needs the policy's weights. Each actor owns
/// its own instance (built by <see cref="IPolicyFactory"/> and loaded from a weights blob), so no two actors share
/// mutable state; the actors do the bookkeeping (rewards, advantages, ordering, checkpoints) around it.
/// Item numbers are 1..N as in the dataset; score spans and <see cref="R2ec.Model.Recommendation.ItemTable"/> rows hold item <c>i</c> at index
/// <c>i - 1</c>.
/// </summary>
public interface IPolicyCompute : IDisposable
{
    /// <summary>Length of a user or item embedding.</summary>
    int EmbeddingSize { get; }

    /// <summary>The weights as one self-describing blob.</summary>
    byte[] SaveWeights();

    /// <summary>Replaces the weights with those of a blob written by <see cref="SaveWeights"/>.</summary>
    void LoadWeights(ReadOnlySpan<byte> blob);

    /// <summary>The optimizer's moments and step count as one blob (learner only).</summary>
    byte[] SaveOptimizer();

    /// <summary>Restores the optimizer from a blob written by <see cref="SaveOptimizer"/>.</summary>
    void LoadOptimizer(ReadOnlySpan<byte> blob);

    /// <summary>Writes the embeddings of items <paramref name="firstItem"/>.. (<c>count</c> rows of <see cref="EmbeddingSize"/>).</summary>
    void EncodeItems(int firstItem, int count, Span<float> output);

    /// <summary>
    /// Samples <see cref="GroupSampling.GroupSize"/> reasoning continuations for one sample (one prefill shared by the
    /// group) and scores every item from the user embedding at the final <c>&lt;answer&gt;</c> of each.
    /// Randomness comes only from <see cref="GroupSampling"/>'s keys.
    /// </summary>
    SampledGroup SampleGroup(Sample sample, in GroupSampling sampling, ItemTable items);

    /// <summary>
    /// Greedy scores of every item for one sample: with reasoning (greedy decoding, then the recommendation head) or
    /// without it (the recommendation head right after the prompt).
    /// </summary>
    void Score(Sample sample, bool reasoning, int maxNewTokens, ItemTable items, Span<float> scores);

    /// <summary>
    /// The greedy reasoning text <see cref="Score"/> reads with reasoning on, decoded, for the run report's examples;
    /// null when this implementation cannot decode its tokens.
    /// </summary>
    string? GreedyReasoning(Sample sample, int maxNewTokens) => null;

    /// <summary>One optimizer step of a warm-up stage on a batch of samples.</summary>
    StepLoss WarmUpStep(WarmUpKind kind, IReadOnlyList<Sample> batch, double learningRate);

    /// <summary>
    /// Called once per RecPO step before its first mini-batch, with the whole ordered batch and its plan, while the
    /// weights are still those the batch was sampled with: the place to compute old (sampling-policy) quantities such
    /// as the in-batch item log-probabilities of each mini-batch.
    /// </summary>
    void BeginStep(IReadOnlyList<LearnRow> rows, MiniBatchPlan plan, in LearnSettings settings);

    /// <summary>
    /// Accumulates the gradient of the RecPO loss of one mini-batch (token loss + item loss, scaled by
    /// <see cref="MiniBatch.LossScale"/>) and, when <see cref="MiniBatch.StepAfter"/>, clips and takes an optimizer step.
    /// </summary>
    LearnStats LearnMiniBatch(IReadOnlyList<LearnRow> rows, MiniBatch miniBatch, in LearnSettings settings);

    /// <summary>
    /// Per row, the log-probabilities of its completion tokens under the current weights, in the distribution the
    /// learner's ratio uses (sampling temperature, no top-k/top-p), without gradient: the proximal log-probs of a step
    /// whose groups were sampled by an older policy (<c>Learner:MaxStaleness</c> &gt; 0).
    /// </summary>
    float[][] TokenLogProbs(IReadOnlyList<LearnRow> rows);
}

/// <summary>Creates policies: trains the tokenizer (stage 1) and builds a policy with fresh or loaded weights.</summary>
public interface IPolicyFactory
{
    /// <summary>A one-line description of the model for the log and the report.</summary>
    string Description { get; }

    /// <summary>Trains the tokenizer on the dataset's text and returns it as a blob (stage 1).</summary>
    byte[] BuildTokenizer(TrainingData data, int vocabulary);

    /// <summary>A policy with the tokenizer of <paramref name="tokenizer"/> and fresh weights keyed by <paramref name="seed"/>.</summary>
    IPolicyCompute Create(ReadOnlySpan<byte> tokenizer, TrainingData data, ulong seed);
}

/// <summary>Which warm-up stage a step belongs to.</summary>
public enum WarmUpKind
{
    /// <summary>Next-token prediction on user and item prompts.</summary>
    Language,

    /// <summary>In-batch contrastive recommendation without reasoning.</summary>
    Recommendation,

    /// <summary>Reasoning cold start: next-token prediction on the history's rationale and <c>&lt;answer&gt;</c> after the prompt.</summary>
    Reasoning,
}

/// <summary>The sampling settings and random keys of one group.</summary>
/// <param name="GroupSize">Trajectories, G.</param>
/// <param name="Temperature">Sampling temperature.</param>
/// <param name="TopK">Top-k cut, 0 = off.</param>
/// <param name="TopP">Nucleus cut, 1 = off.</param>
/// <param name="MaxNewTokens">Reasoning length limit.</param>
/// <param name="Seed">Root seed.</param>
/// <param name="Step">RecPO step, the second key.</param>
/// <param name="SampleIndex">Training sample, the third key (the trajectory index is the fourth).</param>
public readonly record struct GroupSampling(int GroupSize, double Temperature, int TopK, double TopP, int MaxNewTokens,
    ulong Seed, ulong Step, ulong SampleIndex);

/// <summary>One sampled trajectory and the scores of every item read after it.</summary>
/// <param name="Tokens">Completion tokens (reasoning and the final <c>&lt;answer&gt;</c>).</param>
/// <param name="SamplingLogprobs">
/// Per token: logp_old, the log-probability under the policy at the sampling temperature with no top-k/top-p truncation
/// (the distribution the learner's new log-probs use, so the PPO ratio is 1 at the sampling weights).
/// </param>
/// <param name="PlainLogprobs">Per token: log-probability under the plain policy (temperature 1, no truncation).</param>
/// <param name="AnswerAppended">Whether <c>&lt;answer&gt;</c> was appended because sampling stopped without it.</param>
/// <param name="Scores">Score of every item, <c>cos(h_u, h_v)/τ</c>; history not yet masked.</param>
public sealed record SampledTrajectory(int[] Tokens, float[] SamplingLogprobs, float[] PlainLogprobs, bool AnswerAppended, float[] Scores);

/// <summary>A group of trajectories for one sample.</summary>
/// <param name="PromptTokens">The prompt shared by the group.</param>
/// <param name="Trajectories">G trajectories, in sample-index order.</param>
public sealed record SampledGroup(int[] PromptTokens, IReadOnlyList<SampledTrajectory> Trajectories);

/// <summary>One trajectory as the learner trains on it.</summary>
/// <param name="Sample">The training sample (history and target).</param>
/// <param name="PromptTokens">The prompt.</param>
/// <param name="Tokens">The completion.</param>
/// <param name="OldLogprobs">Sampling-time log-probabilities of the completion (logp_old).</param>
/// <param name="Advantage">The trajectory's advantage.</param>
/// <param name="Relabel">1 when the trajectory gets the item loss.</param>
/// <param name="AnswerAppended">Whether the last token was appended rather than sampled (it has no log-prob and no token loss).</param>
/// <param name="BehaviourLogprobs">
/// The sampling policy's log-probs when <paramref name="OldLogprobs"/> are the proximal (learner's) ones of a lagged
/// step; null in the synchronous mode, where the two are one.
/// </param>
/// <param name="BehaviourItemLogProb">
/// Log of the target's probability over the whole item table (history masked) under the sampling policy and its item
/// table, the behaviour term of the item loss's importance weight; NaN when unknown.
/// </param>
public sealed record LearnRow(Sample Sample, int[] PromptTokens, int[] Tokens, float[] OldLogprobs, double Advantage, float Relabel, bool AnswerAppended,
    float[]? BehaviourLogprobs = null, double BehaviourItemLogProb = double.NaN);

/// <summary>Loss settings of one mini-batch.</summary>
/// <param name="LearningRate">Rate of the optimizer step, if one is taken.</param>
/// <param name="Tau">Cosine temperature.</param>
/// <param name="Clip">PPO clip range.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="GradClip">Global-norm clip, 0 = off.</param>
/// <param name="TokenWeight">Weight of the token loss in the total (0: the item loss alone).</param>
/// <param name="ItemWeight">Weight of the item loss in the total (0: the token loss alone).</param>
/// <param name="Negatives">Which items the item loss's softmax runs over.</param>
/// <param name="ImportanceCap">
/// Cap c of the truncated importance weights of a lagged step (<see cref="ImportanceWeights"/>); 0 turns them off (the
/// synchronous mode, whose losses stay bit for bit what they were).
/// </param>
public readonly record struct LearnSettings(double LearningRate, double Tau, ClipRange Clip, double WeightDecay, double GradClip,
    double TokenWeight = 1, double ItemWeight = 1, ItemNegatives Negatives = ItemNegatives.InBatch, double ImportanceCap = 0);

/// <summary>Statistics of one mini-batch.</summary>
/// <param name="TokenLoss">Token PPO loss.</param>
/// <param name="ItemLoss">Item PPO loss.</param>
/// <param name="ClipFraction">Fraction of tokens whose ratio was clipped.</param>
/// <param name="ApproxKl">Mean of <c>logp_old - logp_new</c> over tokens.</param>
/// <param name="GradNorm">Global gradient norm before clipping (0 when no step was taken).</param>
/// <param name="Tokens">Tokens processed.</param>
/// <param name="MaxRatioDeviation">Largest <c>|ρ − 1|</c> of the token loss: 0 (to rounding) at the weights that sampled the batch.</param>
/// <param name="CappedTokenFraction">Fraction of the token loss's tokens whose importance weight hit the cap (0 when the weights are off).</param>
/// <param name="CappedItemFraction">Fraction of the item loss's rows whose importance weight hit the cap (0 when the weights are off).</param>
public readonly record struct LearnStats(double TokenLoss, double ItemLoss, double ClipFraction, double ApproxKl, double GradNorm, long Tokens,
    double MaxRatioDeviation = 0, double CappedTokenFraction = 0, double CappedItemFraction = 0);

/// <summary>Loss and size of one warm-up step.</summary>
/// <param name="Loss">Mean loss.</param>
/// <param name="Tokens">Tokens processed.</param>
public readonly record struct StepLoss(double Loss, long Tokens);
