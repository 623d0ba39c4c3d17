using R2ec.Model.Inference;
using R2ec.Model.Policy;
using R2ec.Model.Tokenization;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Recommendation;

/// <summary>
/// Encodes item prompts with the policy: the embedding of an item is the post-final-norm hidden state at the last
/// token of its prompt, whose assistant turn is prefilled with <c>&lt;answer&gt;</c> (see <see cref="ItemPrompt"/>).
/// Prompts go through the KV-cached inference path in packed ragged batches (no padding). The same call on user prompts
/// whose assistant turn is prefilled with <c>&lt;answer&gt;</c> gives the user embeddings without reasoning (the ablation).
/// </summary>
public sealed class ItemEncoder
{
    private readonly R2ecPolicy _policy;

    /// <summary>An encoder over <paramref name="policy"/>'s current weights.</summary>
    public ItemEncoder(R2ecPolicy policy) => _policy = policy;

    /// <summary>
    /// The item prompt: <paramref name="messages"/> in the chat template with the assistant turn opened and prefilled
    /// with <c>&lt;answer&gt;</c>, so the last token is <c>&lt;answer&gt;</c>.
    /// </summary>
    public static int[] ItemPrompt(BpeTokenizer tokenizer, IReadOnlyList<ChatMessage> messages) =>
        ChatTemplate.Encode(tokenizer, messages, addGenerationPrompt: true, assistantPrefix: SpecialTokens.Answer);

    /// <summary>Encodes every prompt into a table of version <paramref name="version"/>, <paramref name="batchSize"/> prompts per pass.</summary>
    public ItemTable Encode(IReadOnlyList<int[]> itemPrompts, int batchSize, long version)
    {
        var d = _policy.Config.HiddenSize;
        var vectors = new float[itemPrompts.Count * d];
        EncodeInto(itemPrompts, batchSize, vectors);
        return new ItemTable(version, itemPrompts.Count, d, vectors);
    }

    /// <summary>
    /// Writes the L2-normalised embeddings of <paramref name="prompts"/> into <paramref name="destination"/>
    /// [prompts, d] (one shard of a table built over several workers).
    /// </summary>
    public void EncodeInto(IReadOnlyList<int[]> prompts, int batchSize, Span<float> destination)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        var d = _policy.Config.HiddenSize;
        if (destination.Length != prompts.Count * d)
            throw new ArgumentException($"destination holds {destination.Length} floats, needs {prompts.Count} × {d}", nameof(destination));
        if (prompts.Count == 0)
            return;
        for (var i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0)
                throw new ArgumentException($"item prompt {i} is empty", nameof(prompts));
        }
        var capacity = prompts.Max(p => p.Length);
        var slots = Math.Min(batchSize, prompts.Count);
        var cache = PolicyInference.CreateCache(_policy, slots, capacity);
        var hidden = new float[slots * d];
        for (var start = 0; start < prompts.Count; start += slots)
        {
            var n = Math.Min(slots, prompts.Count - start);
            cache.Clear();
            var batch = Enumerable.Range(start, n).Select(i => prompts[i]).ToArray();
            var h = hidden.AsSpan(0, n * d);
            PolicyInference.Step(_policy, cache, Enumerable.Range(0, n).ToArray(), batch.Select(p => p.Length).ToArray(),
                batch.SelectMany(p => p).ToArray(), h, [], []);
            Cosine.NormalizeRows(h, n, d, destination.Slice(start * d, n * d), default);
        }
    }
}
