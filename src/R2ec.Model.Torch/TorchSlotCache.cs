using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch;

/// <summary>
/// Keys and values of a batch of sequences ("rows", each the continuation of one sample) that decode together: every
/// layer's keys and values sit in one preallocated tensor [rows, kv heads, capacity, head dim], and each row has its own
/// length, so the samples of several groups (prompts of different lengths) and rows that append one or two tokens in the
/// same step share one forward pass.
/// </summary>
/// <remarks>
/// A step of width W writes each row's new keys at positions <c>length … length + W − 1</c> and masks every query to the
/// positions up to its own, so the padding of a row that appends fewer than W tokens is never seen: a later step
/// overwrites it. Rows whose samples have finished are dropped by <see cref="Keep"/>, which compacts the tensors once
/// rather than copying the cache at every step.
/// </remarks>
public sealed class TorchSlotCache : IAttentionCache, IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private int[] _slots;
    private long[] _lengths;
    private Tensor? _writeIndex;
    private Tensor? _mask;
    private long _visible;

    private TorchSlotCache(Tensor[] keys, Tensor[] values, int[] slots, long[] lengths)
    {
        _keys = keys;
        _values = values;
        _slots = slots;
        _lengths = lengths;
    }

    /// <summary>The sample (slot) of each row, in row order.</summary>
    public IReadOnlyList<int> Slots => _slots;

    /// <summary>Positions held by row <paramref name="row"/>.</summary>
    public long LengthOf(int row) => _lengths[row];

    /// <summary>Positions each row can hold before the tensors grow.</summary>
    public long Capacity => _keys[0].shape[2];

    /// <summary>
    /// A cache whose rows continue prefilled prompts: <c>copies[p]</c> rows (slots numbered prompt after prompt) start
    /// with the keys and values of the single-sequence cache <c>prefixes[p]</c>, so each prompt is prefilled once and
    /// shared by the samples of its group.
    /// </summary>
    /// <param name="prefixes">One prefilled cache (batch 1) per prompt, all of the same model.</param>
    /// <param name="copies">Rows to start from each prefix (at least one each).</param>
    /// <param name="capacity">Positions to reserve per row (the cache grows if a step needs more).</param>
    public static TorchSlotCache FromPrefixes(IReadOnlyList<TorchKvCache> prefixes, IReadOnlyList<int> copies, long capacity)
    {
        if (prefixes.Count == 0 || prefixes.Count != copies.Count || copies.Any(c => c <= 0))
            throw new ArgumentException("one positive row count per prefix is needed", nameof(copies));
        var (first, _) = prefixes[0].Layer(0);
        if (first is null)
            throw new ArgumentException("prefix 0 was not prefilled", nameof(prefixes));
        int layers = prefixes[0].Layers, rows = copies.Sum();
        capacity = Math.Max(capacity, prefixes.Max(p => p.Length));
        var keys = new Tensor[layers];
        var values = new Tensor[layers];
        using var _ = no_grad();
        for (var l = 0; l < layers; l++)
        {
            keys[l] = zeros([rows, first.shape[1], capacity, first.shape[3]], first.dtype, first.device).DetachFromDisposeScope();
            values[l] = zeros_like(keys[l]).DetachFromDisposeScope();
            var row = 0;
            for (var p = 0; p < prefixes.Count; p++)
            {
                var (k, v) = prefixes[p].Layer(l);
                if (k is null || v is null || k.shape[0] != 1)
                    throw new ArgumentException($"prefix {p} is not a prefilled single sequence", nameof(prefixes));
                using (var target = keys[l].narrow(0, row, copies[p]).narrow(2, 0, k.shape[2]))
                    target.copy_(k.expand(copies[p], -1, -1, -1));
                using (var target = values[l].narrow(0, row, copies[p]).narrow(2, 0, v.shape[2]))
                    target.copy_(v.expand(copies[p], -1, -1, -1));
                row += copies[p];
            }
        }
        var lengths = prefixes.SelectMany((p, i) => Enumerable.Repeat(p.Length, copies[i])).ToArray();
        return new TorchSlotCache(keys, values, Enumerable.Range(0, rows).ToArray(), lengths);
    }

    /// <summary>
    /// Keeps the rows of <paramref name="slots"/>, in that order, and drops the others (a finished sample's row): the
    /// tensors are compacted only when the rows change.
    /// </summary>
    /// <exception cref="ArgumentException">A slot is not held (never prefilled, or already dropped).</exception>
    public void Keep(ReadOnlySpan<int> slots)
    {
        if (slots.SequenceEqual(_slots))
            return;
        var rows = new long[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            var row = Array.IndexOf(_slots, slots[i]);
            rows[i] = row >= 0 ? row : throw new ArgumentException($"sample {slots[i]} is not in the cache (not prefilled, or dropped)", nameof(slots));
        }
        using var index = tensor(rows, ScalarType.Int64, _keys[0].device);
        for (var l = 0; l < _keys.Length; l++)
        {
            var (k, v) = (_keys[l].index_select(0, index).DetachFromDisposeScope(), _values[l].index_select(0, index).DetachFromDisposeScope());
            _keys[l].Dispose();
            _values[l].Dispose();
            (_keys[l], _values[l]) = (k, v);
        }
        _lengths = rows.Select(r => _lengths[r]).ToArray();
        _slots = slots.ToArray();
    }

    /// <summary>
    /// Prepares a step of <paramref name="width"/> new positions per row (row r's first <c>counts[r]</c> are real):
    /// grows the tensors if needed, builds the write index and the mask, and returns the positions [rows, width] (float32).
    /// </summary>
    internal Tensor Begin(ReadOnlySpan<int> counts, long width, Device device)
    {
        if (counts.Length != _slots.Length)
            throw new ArgumentException($"{counts.Length} counts for {_slots.Length} rows", nameof(counts));
        for (var r = 0; r < counts.Length; r++)
        {
            if (counts[r] < 1 || counts[r] > width)
                throw new ArgumentOutOfRangeException(nameof(counts), $"row {r} appends {counts[r]} tokens in a step of width {width}");
        }
        long rows = _slots.Length, kvHeads = _keys[0].shape[1], headDim = _keys[0].shape[3];
        _visible = _lengths.Max() + width;
        if (_visible > Capacity)
            Grow(_visible);
        var positions = new float[rows * width];
        var allowed = new bool[rows * width * _visible];
        for (var r = 0; r < rows; r++)
        {
            for (var w = 0; w < width; w++)
            {
                var position = _lengths[r] + w;
                positions[r * width + w] = position;
                // Query at `position` sees keys 0 … position (its own prefix and itself), never another step's padding.
                allowed.AsSpan((int)((r * width + w) * _visible), (int)(position + 1)).Fill(true);
            }
        }
        _mask?.Dispose();
        _writeIndex?.Dispose();
        // Both live across the step's layers and past the caller's dispose scope; the next step or Dispose frees them.
        _mask = tensor(allowed, [rows, 1, width, _visible], device: device).DetachFromDisposeScope();
        using var flat = tensor(positions, [rows, 1, width, 1]).to(ScalarType.Int64, device);
        _writeIndex = flat.expand(rows, kvHeads, width, headDim).contiguous().DetachFromDisposeScope();
        return tensor(positions, [rows, width]).to(device);
    }

    /// <summary>Ends a step: each row's length moves on by its real tokens.</summary>
    internal void End(ReadOnlySpan<int> counts)
    {
        for (var r = 0; r < counts.Length; r++)
            _lengths[r] += counts[r];
    }

    Tensor IAttentionCache.Attend(int layer, Tensor q, Tensor k, Tensor v)
    {
        var index = _writeIndex ?? throw new InvalidOperationException("Begin was not called before the step");
        _keys[layer].scatter_(2, index, k);
        _values[layer].scatter_(2, index, v);
        using var keys = _keys[layer].narrow(2, 0, _visible);
        using var values = _values[layer].narrow(2, 0, _visible);
        return TorchDecoderLayer.Attention(q, keys, values, _mask, causal: false);
    }

    private void Grow(long needed)
    {
        var capacity = Math.Max(needed, 2 * Capacity);
        for (var l = 0; l < _keys.Length; l++)
        {
            foreach (var tensors in new[] { _keys, _values })
            {
                var old = tensors[l];
                var grown = zeros([old.shape[0], old.shape[1], capacity, old.shape[3]], old.dtype, old.device).DetachFromDisposeScope();
                using (var target = grown.narrow(2, 0, old.shape[2]))
                    target.copy_(old);
                old.Dispose();
                tensors[l] = grown;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
            t.Dispose();
        _mask?.Dispose();
        _writeIndex?.Dispose();
    }
}
