using R2ec.Model.Sampling;
using Sampling = R2ec.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch;

/// <summary>
/// The torch backend's side of group sampling (<see cref="IGroupDecoder"/>), driven by the shared <see cref="Sampling.Generator"/>:
/// each group's prompt is prefilled once (batch 1) and its cached keys and values are repeated for the group's samples.
/// </summary>
/// <remarks>
/// Decode steps run sample by sample, because a step is ragged (a finishing sample feeds its last token and the
/// appended <c>&lt;answer&gt;</c> together); batching them needs padded caches with masks, a later step for GPU throughput.
/// </remarks>
public sealed class TorchGroupDecoder : IGroupDecoder
{
    private readonly TorchQwen2Policy _model;
    private readonly TorchKvCache?[] _caches;

    /// <summary>A decoder for <paramref name="samples"/> samples over <paramref name="model"/>.</summary>
    public TorchGroupDecoder(TorchQwen2Policy model, int samples)
    {
        _model = model;
        _caches = new TorchKvCache?[samples];
    }

    /// <summary>A <see cref="Sampling.Generator"/> whose forward passes run on <paramref name="model"/>.</summary>
    public static Sampling.Generator Generator(TorchQwen2Policy model) =>
        new(model.Config, (samples, _) => new TorchGroupDecoder(model, samples));

    /// <inheritdoc />
    public void Prefill(IReadOnlyList<int[]> prompts, IReadOnlyList<int> groupSizes, Span<float> logits)
    {
        var vocab = _model.Config.VocabSize;
        var slot = 0;
        using var _ = no_grad();
        for (var g = 0; g < prompts.Count; g++)
        {
            using var scope = NewDisposeScope();
            using var prefix = new TorchKvCache(_model.Config.NumHiddenLayers);
            var hidden = _model.Hidden(Ids(prompts[g]), prefix);
            CopyRow(_model.Logits(hidden[0, ^1]), logits.Slice(g * vocab, vocab));
            for (var j = 0; j < groupSizes[g]; j++)
                _caches[slot++] = prefix.Repeat(1);
        }
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> ids, Span<float> lastHidden, ReadOnlySpan<int> logitRows, Span<float> logits)
    {
        int d = _model.Config.HiddenSize, vocab = _model.Config.VocabSize;
        using var _ = no_grad();
        var offset = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            using var scope = NewDisposeScope();
            var cache = _caches[slots[i]] ?? throw new InvalidOperationException($"sample {slots[i]} was not prefilled");
            var last = _model.Hidden(Ids(ids.Slice(offset, counts[i]).ToArray()), cache)[0, ^1];
            offset += counts[i];
            CopyRow(last, lastHidden.Slice(i * d, d));
            var row = logitRows.IndexOf(i);
            if (row >= 0)
                CopyRow(_model.Logits(last), logits.Slice(row * vocab, vocab));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var cache in _caches)
            cache?.Dispose();
    }

    private Tensor Ids(int[] ids) => tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64, _model.Device);

    private static void CopyRow(Tensor row, Span<float> destination) =>
        row.to(ScalarType.Float32, CPU).contiguous().data<float>().CopyTo(destination);
}
