namespace R2ec.Model.Sampling;

/// <summary>One sampled continuation of a prompt.</summary>
/// <param name="Key">The random stream it was drawn from.</param>
/// <param name="CompletionIds">
/// The tokens after the prompt: the <see cref="SampledCount"/> sampled tokens, then the appended answer token when the
/// continuation did not emit it (see <see cref="SamplingOptions.AnswerTokenId"/>).
/// </param>
/// <param name="SampledCount">How many leading completion tokens were sampled (the rest were appended).</param>
/// <param name="SamplingLogProbs">
/// Per sampled token, log-prob under the policy at the sampling temperature, without the top-k/top-p truncation the
/// draw used (PPO's old log-prob; see <see cref="TokenSampler.Choose"/>); 0 when greedy.
/// </param>
/// <param name="PolicyLogProbs">Per sampled token, log-prob under the plain policy (softmax of the logits at temperature 1).</param>
/// <param name="UserEmbedding">Post-final-norm hidden state at the last completion token (the answer token), length d, not normalised.</param>
/// <param name="Stopped">Whether a stop sequence ended it (false: it ran out of <see cref="SamplingOptions.MaxNewTokens"/>).</param>
public sealed record Trajectory(SampleKey Key, int[] CompletionIds, int SampledCount, float[] SamplingLogProbs, float[] PolicyLogProbs,
    float[] UserEmbedding, bool Stopped);
