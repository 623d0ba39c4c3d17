using R2ec.Model.Policy;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Training;

/// <summary>What the learner needs from one forward pass over a ragged mini-batch of trajectories.</summary>
/// <param name="TokenLogProbs">
/// [Σ completion lengths]: <c>log p(completion[t] | prompt, completion[..t])</c> under the policy at the requested
/// temperature (softmax of logits/T, no top-k/top-p truncation: the distribution PPO's ratio compares), sequence after
/// sequence; sequence i's tokens are <c>[Offsets[i], Offsets[i+1])</c>. Every completion token is included, the last one too;
/// a token appended by the sampler rather than drawn (beyond <c>Trajectory.SampledCount</c>) has no old log-prob, so the
/// token loss should mask it.
/// </param>
/// <param name="Offsets">Start of each sequence's tokens in <see cref="TokenLogProbs"/>, plus the total at the end.</param>
/// <param name="UserEmbeddings">[batch, d]: post-final-norm hidden state at the last token of prompt ⊕ completion (not normalised).</param>
public sealed record PolicyBatchOutput(Variable TokenLogProbs, int[] Offsets, Variable UserEmbeddings);

/// <summary>
/// Training forwards on the tape over ragged batches, so one backward reaches every parameter through the LM head and
/// the recommendation head at once. Sequences run in length buckets, right-padded only to their bucket's longest member
/// (causal attention keeps padding from touching the real tokens), and logits are formed only for the rows a loss reads.
/// </summary>
public static class PolicyForward
{
    /// <summary>
    /// Token log-probs of the completions under softmax(logits / <paramref name="temperature"/>) and the user embeddings at
    /// their last token (the learner's forward). Pass the sampling temperature so the ratio against the sampler's
    /// <see cref="Sampling.Trajectory.PolicyLogProbs"/> is exactly 1 at the weights that sampled them.
    /// </summary>
    public static PolicyBatchOutput Forward(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions,
        float temperature = 1f)
    {
        if (!(temperature > 0f) || float.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive and finite");
        if (prompts.Count != completions.Count || prompts.Count == 0)
            throw new ArgumentException($"{prompts.Count} prompts and {completions.Count} completions: need the same, non-zero count", nameof(completions));
        var sequences = new int[prompts.Count][];
        for (var i = 0; i < sequences.Length; i++)
        {
            if (prompts[i].Length == 0 || completions[i].Length == 0)
                throw new ArgumentException($"sequence {i} has an empty prompt or completion", nameof(prompts));
            sequences[i] = [.. prompts[i], .. completions[i]];
        }
        var offsets = new int[sequences.Length + 1];
        for (var i = 0; i < sequences.Length; i++)
            offsets[i + 1] = offsets[i] + completions[i].Length;
        var tokens = offsets[^1];
        // Requests: the state before each completion token (position p predicts p + 1), then each sequence's last state.
        var requests = new List<(int, int)>(tokens + sequences.Length);
        var targets = new int[tokens];
        for (var i = 0; i < sequences.Length; i++)
        {
            for (var t = 0; t < completions[i].Length; t++)
            {
                requests.Add((i, prompts[i].Length - 1 + t));
                targets[offsets[i] + t] = completions[i][t];
            }
        }
        for (var i = 0; i < sequences.Length; i++)
            requests.Add((i, sequences[i].Length - 1));
        var hidden = RaggedHidden.Gather(tape, policy, sequences, requests);
        var tokenRows = Embedding.Lookup(tape, hidden, Enumerable.Range(0, tokens).ToArray());
        var users = Embedding.Lookup(tape, hidden, Enumerable.Range(tokens, sequences.Length).ToArray());
        var logProbs = CrossEntropy.TokenLogProbs(tape, policy.Logits(tape, tokenRows, temperature), targets);
        return new PolicyBatchOutput(logProbs, offsets, users);
    }

    /// <summary>
    /// [batch, d] hidden states at the last token of each sequence, with gradient: item embeddings for the in-batch item
    /// loss (item prompts ending in <c>&lt;answer&gt;</c>), or user embeddings without reasoning.
    /// </summary>
    public static Variable LastHidden(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences) =>
        RaggedHidden.Gather(tape, policy, sequences, sequences.Select((s, i) => (i, s.Length - 1)).ToList());

    /// <summary>
    /// Mean next-token cross-entropy (the LM warm-up loss) over every token of each sequence from position
    /// <c>lossStart[i]</c> on (default 1: everything but the first token, which nothing predicts).
    /// </summary>
    public static Variable LmLoss(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences, IReadOnlyList<int>? lossStart = null)
    {
        var requests = new List<(int, int)>();
        var targets = new List<int>();
        for (var i = 0; i < sequences.Count; i++)
        {
            for (var p = Math.Max(1, lossStart?[i] ?? 1); p < sequences[i].Length; p++)
            {
                requests.Add((i, p - 1));
                targets.Add(sequences[i][p]);
            }
        }
        if (requests.Count == 0)
            throw new ArgumentException("no sequence has a token to predict", nameof(sequences));
        var hidden = RaggedHidden.Gather(tape, policy, sequences, requests);
        return CrossEntropy.Loss(tape, policy.Logits(tape, hidden), targets.ToArray());
    }
}
