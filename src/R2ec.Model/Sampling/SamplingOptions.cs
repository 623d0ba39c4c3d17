using R2ec.Model.Tokenization;

namespace R2ec.Model.Sampling;

/// <summary>How reasoning continuations are drawn.</summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature of the sampling distribution (the paper uses 2.0); ignored when <see cref="Greedy"/>.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens (0 = no top-k filter).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest most-likely set whose probability reaches p (1 = no nucleus filter).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Most tokens sampled per continuation (the appended <see cref="AnswerTokenId"/> not counted).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Take the most likely token every step (evaluation); the sampling log-prob is then 0.</summary>
    public bool Greedy { get; init; }

    /// <summary>Token sequences that end a continuation once it ends with one of them (they stay in the completion).</summary>
    public IReadOnlyList<int[]> StopSequences { get; init; } = [];

    /// <summary>
    /// When set, every completion ends with this token (<c>&lt;answer&gt;</c>): appended, unsampled, when the continuation
    /// stopped or ran out of tokens without emitting it. The user embedding is read at it.
    /// </summary>
    public int? AnswerTokenId { get; init; }

    /// <summary>Options for R2ec reasoning: stop at <c>&lt;answer&gt;</c> or <c>&lt;|im_end|&gt;</c>, and end every completion with <c>&lt;answer&gt;</c>.</summary>
    public static SamplingOptions ForReasoning(BpeTokenizer tokenizer, float temperature, int topK, float topP, int maxNewTokens, bool greedy = false)
    {
        var answer = tokenizer.SpecialTokenId(SpecialTokens.Answer);
        return new SamplingOptions
        {
            Temperature = temperature, TopK = topK, TopP = topP, MaxNewTokens = maxNewTokens, Greedy = greedy,
            StopSequences = [[answer], [tokenizer.SpecialTokenId(SpecialTokens.ImEnd)]],
            AnswerTokenId = answer,
        };
    }

    /// <summary>
    /// These options with each of <paramref name="stops"/> added as a stop sequence of its token ids. Matching is on ids:
    /// special tokens (<c>&lt;answer&gt;</c>, <c>&lt;|im_end|&gt;</c>) are always caught, while plain text that the
    /// tokenizer would merge differently inside the generated text is not.
    /// </summary>
    public SamplingOptions WithStopStrings(BpeTokenizer tokenizer, params string[] stops) =>
        this with { StopSequences = [.. StopSequences, .. stops.Select(tokenizer.Encode)] };

    /// <summary>Fails with an <see cref="ArgumentException"/> naming the option when a value is out of range.</summary>
    public void Validate(int vocabSize)
    {
        if (!Greedy && !(Temperature > 0 && float.IsFinite(Temperature)))
            throw new ArgumentException($"Temperature must be positive and finite, got {Temperature}");
        if (TopK < 0)
            throw new ArgumentException($"TopK must be 0 (off) or positive, got {TopK}");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentException($"TopP must be in (0, 1], got {TopP}");
        if (MaxNewTokens < 0)
            throw new ArgumentException($"MaxNewTokens must not be negative, got {MaxNewTokens}");
        foreach (var stop in StopSequences)
        {
            if (stop.Length == 0 || stop.Any(t => (uint)t >= (uint)vocabSize))
                throw new ArgumentException($"StopSequences entry [{string.Join(", ", stop)}] is empty or has an id outside [0, {vocabSize})");
        }
        if (AnswerTokenId is { } a && (uint)a >= (uint)vocabSize)
            throw new ArgumentException($"AnswerTokenId {a} is outside [0, {vocabSize})");
    }
}
