using R2ec.Model.Policy;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Training;

/// <summary>What the learner needs from one forward pass over a ragged mini-batch of trajectories.</summary>
/// <param name="TokenLogProbs">
/// [Σ completion lengths]: <c>log p(completion[t] | prompt, completion[..t])</c> under the plain policy, sequence after
/// sequence; sequence i's tokens are <c>[Offsets[i], Offsets[i+1])</c>. Every completion token is included, the last one too.
/// </param>
/// <param name="Offsets">Start of each sequence's tokens in <see cref="TokenLogProbs"/>, plus the total at the end.</param>
/// <param name="UserEmbeddings">[batch, d]: post-final-norm hidden state at the last token of prompt ⊕ completion (not normalised).</param>
public sealed record PolicyBatchOutput(Variable TokenLogProbs, int[] Offsets, Variable UserEmbeddings);

/// <summary>
/// Training forwards on the tape over ragged batches (right-padded inside: causal attention keeps padding from
/// touching the real tokens), so one backward reaches every parameter through the LM head and the recommendation
/// head at once.
/// </summary>
public static class PolicyForward
{
    /// <summary>Token log-probs of the completions and the user embeddings at their last token (the learner's forward).</summary>
    public static PolicyBatchOutput Forward(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions)
    {
        if (prompts.Count != completions.Count || prompts.Count == 0)
            throw new ArgumentException($"{prompts.Count} prompts and {completions.Count} completions: need the same, non-zero count", nameof(completions));
        var sequences = new int[prompts.Count][];
        for (var i = 0; i < sequences.Length; i++)
        {
            if (prompts[i].Length == 0 || completions[i].Length == 0)
                throw new ArgumentException($"sequence {i} has an empty prompt or completion", nameof(prompts));
            sequences[i] = [.. prompts[i], .. completions[i]];
        }
        var (hidden, seq) = PaddedHidden(tape, policy, sequences);
        var offsets = new int[sequences.Length + 1];
        for (var i = 0; i < sequences.Length; i++)
            offsets[i + 1] = offsets[i] + completions[i].Length;
        var rows = new int[offsets[^1]];
        var targets = new int[offsets[^1]];
        for (var i = 0; i < sequences.Length; i++)
        {
            for (var t = 0; t < completions[i].Length; t++)
            {
                // The state at position p predicts the token at p + 1.
                rows[offsets[i] + t] = i * seq + prompts[i].Length - 1 + t;
                targets[offsets[i] + t] = completions[i][t];
            }
        }
        var logits = policy.Logits(tape, Embedding.Lookup(tape, hidden, rows));
        var logProbs = CrossEntropy.TokenLogProbs(tape, logits, targets);
        return new PolicyBatchOutput(logProbs, offsets, LastRows(tape, hidden, sequences, seq));
    }

    /// <summary>
    /// [batch, d] hidden states at the last token of each sequence, with gradient: item embeddings for the in-batch item
    /// loss (item prompts ending in <c>&lt;answer&gt;</c>), or user embeddings without reasoning.
    /// </summary>
    public static Variable LastHidden(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences)
    {
        var (hidden, seq) = PaddedHidden(tape, policy, sequences);
        return LastRows(tape, hidden, sequences, seq);
    }

    /// <summary>
    /// Mean next-token cross-entropy (the LM warm-up loss) over every token of each sequence from position
    /// <c>lossStart[i]</c> on (default 1: everything but the first token, which nothing predicts).
    /// </summary>
    public static Variable LmLoss(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences, IReadOnlyList<int>? lossStart = null)
    {
        var (hidden, seq) = PaddedHidden(tape, policy, sequences);
        var targets = new int[sequences.Count * seq];
        Array.Fill(targets, CrossEntropy.DefaultIgnoreIndex);
        for (var i = 0; i < sequences.Count; i++)
        {
            var from = Math.Max(1, lossStart?[i] ?? 1);
            for (var p = from; p < sequences[i].Length; p++)
                targets[i * seq + p - 1] = sequences[i][p];
        }
        return CrossEntropy.Loss(tape, policy.Logits(tape, hidden), targets);
    }

    private static (Variable Hidden, int Seq) PaddedHidden(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences)
    {
        if (sequences.Count == 0)
            throw new ArgumentException("an empty batch", nameof(sequences));
        var seq = sequences.Max(s => s.Length);
        if (sequences.Any(s => s.Length == 0))
            throw new ArgumentException("a sequence is empty", nameof(sequences));
        if (seq > policy.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"a sequence of {seq} tokens exceeds max_position_embeddings {policy.Config.MaxPositionEmbeddings}", nameof(sequences));
        var ids = new int[sequences.Count * seq];
        Array.Fill(ids, policy.PadId);
        for (var i = 0; i < sequences.Count; i++)
            sequences[i].CopyTo(ids, i * seq);
        return (policy.Hidden(tape, ids, sequences.Count, seq), seq);
    }

    private static Variable LastRows(Tape tape, Variable hidden, IReadOnlyList<int[]> sequences, int seq) =>
        Embedding.Lookup(tape, hidden, sequences.Select((s, i) => i * seq + s.Length - 1).ToArray());
}
