using R2ec.Data.Prompts;
using R2ec.Model.Policy;
using R2ec.Model.Tokenization;
using R2ec.Training.Configuration;
using ModelChat = R2ec.Model.Tokenization.ChatMessage;

namespace R2ec.Training.Compute;

/// <summary>
/// The production policy: R2ec.Model's Qwen2-style dual-head policy with the shape of <c>Model:*</c>, trained from
/// scratch on a byte-level BPE tokenizer learned from the dataset's prompts (DESIGN.md §7).
/// </summary>
public sealed class R2ecPolicyFactory(JobOptions options) : IPolicyFactory
{
    /// <summary>Standard deviation of the initial token embedding (Hugging Face Qwen2's <c>initializer_range</c>).</summary>
    public const float InitializerRange = 0.02f;

    /// <inheritdoc />
    public string Description =>
        $"Qwen2-style R2ec policy from scratch (d {options.Model.HiddenSize}, {options.Model.Layers} layers, {options.Model.Heads} heads / " +
        $"{options.Model.KeyValueHeads} KV heads, FFN {options.Model.IntermediateSize}, tied embeddings)";

    /// <inheritdoc />
    public byte[] BuildTokenizer(TrainingData data, int vocabulary)
    {
        var prompts = Prompts(options);
        var corpus = new List<string>();
        foreach (var item in data.Dataset.Items)
            corpus.Add(Render(PromptBuilder.ItemPrompt(item, prompts)));
        // One user prompt per user (their first training sample) is enough to learn the template and the titles' words.
        var seen = new HashSet<int>();
        foreach (var sample in data.Dataset.Train)
            if (seen.Add(sample.User))
                corpus.Add(Render(PromptBuilder.UserPrompt(sample, data.Dataset.Item, data.Dataset.HasTimestamps, prompts)));
        var tokenizer = BpeTrainer.Train(corpus, vocabulary, SpecialTokens.All);
        return TokenizerJson.Serialize(tokenizer);
    }

    /// <inheritdoc />
    public IPolicyCompute Create(ReadOnlySpan<byte> tokenizer, TrainingData data, ulong seed) =>
        new R2ecPolicyCompute(CreatePolicy(tokenizer, seed), data, options);

    /// <summary>
    /// The managed policy with the tokenizer of <paramref name="tokenizer"/> and fresh weights keyed by
    /// <paramref name="seed"/>: every backend starts from these weights, so the same seed trains the same model.
    /// </summary>
    public R2ecPolicy CreatePolicy(ReadOnlySpan<byte> tokenizer, ulong seed)
    {
        var bpe = TokenizerJson.Parse(tokenizer);
        var m = options.Model;
        var config = new Qwen2Config
        {
            VocabSize = bpe.VocabSize,
            HiddenSize = m.HiddenSize,
            IntermediateSize = m.IntermediateSize,
            NumHiddenLayers = m.Layers,
            NumAttentionHeads = m.Heads,
            NumKeyValueHeads = m.KeyValueHeads,
            MaxPositionEmbeddings = m.MaxPositions,
            TieWordEmbeddings = true,
            PadTokenId = bpe.SpecialTokenId(SpecialTokens.Pad),
            EosTokenId = bpe.SpecialTokenId(SpecialTokens.ImEnd),
        };
        var policy = R2ecPolicy.Create(config, seed, bpe);
        // The engine draws the (tied) embedding from N(0, 1), which makes the initial logits so sharp that every
        // trajectory of a group is the same greedy path; Hugging Face Qwen2 initialises it with std 0.02.
        var embedding = policy.Embedding.Value.Span;
        System.Numerics.Tensors.TensorPrimitives.Multiply(embedding, InitializerRange, embedding);
        return policy;
    }

    /// <summary>The prompt settings of the job: the history window of <c>Data:HistoryWindow</c>, short titles and descriptions.</summary>
    internal static PromptOptions Prompts(JobOptions options) => PromptOptions.Compact with { MaxHistory = options.Data.HistoryWindow };

    /// <summary>The chat messages of a prompt in the model's form.</summary>
    internal static IReadOnlyList<ModelChat> Messages(ChatPrompt prompt) =>
        prompt.Messages.Select(m => new ModelChat(m.Role switch
        {
            ChatRole.System => ModelChat.System,
            ChatRole.User => ModelChat.User,
            _ => ModelChat.Assistant,
        }, m.Content)).ToList();

    private static string Render(ChatPrompt prompt) =>
        ChatTemplate.Render(Messages(prompt), addGenerationPrompt: true, assistantPrefix: prompt.AssistantPrefix.Length == 0 ? null : prompt.AssistantPrefix);
}
