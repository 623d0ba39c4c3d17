using R2ec.Model.Sampling;
using Sampling = R2ec.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch;

/// <summary>
/// The torch backend's side of group sampling (<see cref="IGroupDecoder"/>), driven by the shared <see cref="Sampling.Generator"/>:
/// each group's prompt is prefilled once (batch 1), its cached keys and values start every sample of the group in one
/// <see cref="TorchSlotCache"/>, and each decode step runs all unfinished samples as one batch.
/// </summary>
/// <remarks>
/// A step is ragged (a finishing sample feeds its last token and the appended <c>&lt;answer&gt;</c> together, and the
/// groups' prompts differ in length), so rows are right-padded to the step's widest and the cache masks each row to its
/// own positions. The sampled tokens come from the shared generator with keyed streams (seed, step, user, sample), so
/// batching changes only float32 rounding, not which uniform a token is drawn with.
/// </remarks>
public sealed class TorchGroupDecoder : IGroupDecoder
{
    private readonly TorchQwen2Policy _model;
    private readonly int _samples;
    private readonly long _capacity;
    private TorchSlotCache? _cache;

    /// <summary>A decoder for <paramref name="samples"/> samples of at most <paramref name="capacity"/> positions each over <paramref name="model"/>.</summary>
    public TorchGroupDecoder(TorchQwen2Policy model, int samples, int capacity)
    {
        _model = model;
        _samples = samples;
        _capacity = capacity;
    }

    /// <summary>A <see cref="Sampling.Generator"/> whose forward passes run on <paramref name="model"/>.</summary>
    public static Sampling.Generator Generator(TorchQwen2Policy model) =>
        new(model.Config, (samples, capacity) => new TorchGroupDecoder(model, samples, capacity));

    /// <inheritdoc />
    public void Prefill(IReadOnlyList<int[]> prompts, IReadOnlyList<int> groupSizes, Span<float> logits)
    {
        if (groupSizes.Sum() != _samples)
            throw new ArgumentException($"the groups hold {groupSizes.Sum()} samples, the decoder was made for {_samples}", nameof(groupSizes));
        var vocab = _model.Config.VocabSize;
        using var _ = no_grad();
        var prefixes = new List<TorchKvCache>();
        try
        {
            for (var g = 0; g < prompts.Count; g++)
            {
                using var scope = NewDisposeScope();
                var prefix = new TorchKvCache(_model.Config.NumHiddenLayers);
                prefixes.Add(prefix);
                var hidden = _model.Hidden(Ids(prompts[g]), prefix);
                CopyRow(_model.Logits(hidden[0, ^1]), logits.Slice(g * vocab, vocab));
            }
            _cache?.Dispose();
            _cache = TorchSlotCache.FromPrefixes(prefixes, groupSizes, _capacity);
        }
        finally
        {
            foreach (var prefix in prefixes)
                prefix.Dispose();
        }
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> ids, Span<float> lastHidden, ReadOnlySpan<int> logitRows, Span<float> logits)
    {
        var cache = _cache ?? throw new InvalidOperationException("Step before Prefill");
        int d = _model.Config.HiddenSize, vocab = _model.Config.VocabSize;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        cache.Keep(slots);
        var width = 0;
        foreach (var c in counts)
            width = Math.Max(width, c);
        // Right-padded [rows, width]; a padded id is a real token id (0) whose state is masked from every real query.
        var padded = new long[slots.Length * width];
        var last = new long[slots.Length];
        var offset = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            for (var t = 0; t < counts[i]; t++)
                padded[i * width + t] = ids[offset + t];
            offset += counts[i];
            last[i] = (long)i * width + counts[i] - 1;
        }
        var hidden = _model.Hidden(tensor(padded, [slots.Length, width], ScalarType.Int64, _model.Device), cache, counts);
        var states = hidden.reshape(-1, d).index_select(0, tensor(last, ScalarType.Int64, _model.Device));
        CopyRow(states, lastHidden[..(slots.Length * d)]);
        if (logitRows.Length > 0)
        {
            var rows = tensor(logitRows.ToArray().Select(r => (long)r).ToArray(), ScalarType.Int64, _model.Device);
            CopyRow(_model.Logits(states.index_select(0, rows)), logits[..(logitRows.Length * vocab)]);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _cache?.Dispose();

    private Tensor Ids(int[] ids) => tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64, _model.Device);

    private static void CopyRow(Tensor rows, Span<float> destination) =>
        rows.to(ScalarType.Float32, CPU).contiguous().data<float>().CopyTo(destination);
}
