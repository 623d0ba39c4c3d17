namespace R2ec.RecPO;

/// <summary>
/// Prompt + completion sequences of different lengths packed end to end, with offsets instead of padding.
/// The training forward reads the log-probability of completion token <c>c</c> of sequence <c>s</c> from the output at
/// <see cref="PredictingPosition"/> (the position before it), so every completion token — including the last one of
/// the longest sequence, which the paper's code drops (§4 (d)) — gets a log-probability and a mask entry.
/// </summary>
public sealed class RaggedBatch
{
    private RaggedBatch(int[] tokens, int[] offsets, int[] promptLengths, int[] completionOffsets, float[] tokenMask,
        int[] predictingPositions)
    {
        Tokens = tokens;
        Offsets = offsets;
        PromptLengths = promptLengths;
        CompletionOffsets = completionOffsets;
        TokenMask = tokenMask;
        PredictingPositions = predictingPositions;
    }

    /// <summary>All tokens, sequence after sequence (prompt then completion).</summary>
    public IReadOnlyList<int> Tokens { get; }

    /// <summary>[sequences + 1] start of each sequence in <see cref="Tokens"/>, then the total.</summary>
    public IReadOnlyList<int> Offsets { get; }

    /// <summary>Prompt length of each sequence.</summary>
    public IReadOnlyList<int> PromptLengths { get; }

    /// <summary>
    /// [sequences + 1] start of each sequence's completion in the completion-token layout the losses use
    /// (<see cref="TokenLoss.Compute"/>'s offsets), then the total completion token count.
    /// </summary>
    public IReadOnlyList<int> CompletionOffsets { get; }

    /// <summary>Per packed token: 1 for completion tokens (they carry loss), 0 for prompt tokens.</summary>
    public IReadOnlyList<float> TokenMask { get; }

    /// <summary>Per completion token (completion layout): the packed position whose output predicts it.</summary>
    public IReadOnlyList<int> PredictingPositions { get; }

    /// <summary>Number of sequences.</summary>
    public int Count => PromptLengths.Count;

    /// <summary>The packed position whose output predicts completion token <paramref name="completionToken"/> of a sequence.</summary>
    public int PredictingPosition(int sequence, int completionToken) =>
        Offsets[sequence] + PromptLengths[sequence] + completionToken - 1;

    /// <summary>Packs sequences; each prompt needs at least one token so its first completion token has a predictor.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or a prompt is empty.</exception>
    public static RaggedBatch Pack(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions)
    {
        if (prompts.Count != completions.Count)
            throw new ArgumentException($"prompts ({prompts.Count}) and completions ({completions.Count}) must pair up");
        var n = prompts.Count;
        var offsets = new int[n + 1];
        var completionOffsets = new int[n + 1];
        var promptLengths = new int[n];
        for (var s = 0; s < n; s++)
        {
            if (prompts[s].Length == 0)
                throw new ArgumentException($"prompt of sequence {s} is empty; its first completion token would have no predicting position", nameof(prompts));
            promptLengths[s] = prompts[s].Length;
            offsets[s + 1] = offsets[s] + prompts[s].Length + completions[s].Length;
            completionOffsets[s + 1] = completionOffsets[s] + completions[s].Length;
        }

        var tokens = new int[offsets[n]];
        var mask = new float[offsets[n]];
        var predicting = new int[completionOffsets[n]];
        for (var s = 0; s < n; s++)
        {
            prompts[s].CopyTo(tokens, offsets[s]);
            var completionStart = offsets[s] + promptLengths[s];
            completions[s].CopyTo(tokens, completionStart);
            for (var c = 0; c < completions[s].Length; c++)
            {
                mask[completionStart + c] = 1;
                predicting[completionOffsets[s] + c] = completionStart + c - 1;
            }
        }
        return new RaggedBatch(tokens, offsets, promptLengths, completionOffsets, mask, predicting);
    }
}
