namespace R2ec.Model.Inference;

/// <summary>
/// Keys (already rotated) and values of past positions for a set of independent sequence slots, each with its own
/// length, laid out [layer][slot, kvHead, position, headDim] so one head's history is one contiguous matrix.
/// </summary>
/// <remarks>
/// The engine's <c>KvCache</c> has one length for the whole batch; ragged prompts and samples that stop at different
/// steps need a length per slot, which is what this cache adds.
/// </remarks>
public sealed class SequenceCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly int[] _lengths;

    /// <summary>Allocates room for <paramref name="capacity"/> positions in each of <paramref name="slots"/> slots.</summary>
    public SequenceCache(int layers, int slots, int kvHeads, int headDim, int capacity)
    {
        if (layers <= 0 || slots <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0)
            throw new ArgumentOutOfRangeException(nameof(slots), $"cache sizes must be positive: layers {layers}, slots {slots}, kv heads {kvHeads}, head size {headDim}, capacity {capacity}");
        Layers = layers;
        Slots = slots;
        KvHeads = kvHeads;
        HeadDim = headDim;
        Capacity = capacity;
        var size = checked(slots * kvHeads * capacity * headDim);
        _keys = new float[layers][];
        _values = new float[layers][];
        for (var l = 0; l < layers; l++)
        {
            _keys[l] = GC.AllocateUninitializedArray<float>(size, pinned: true);
            _values[l] = GC.AllocateUninitializedArray<float>(size, pinned: true);
        }
        _lengths = new int[slots];
    }

    /// <summary>Layers held.</summary>
    public int Layers { get; }

    /// <summary>Sequence slots.</summary>
    public int Slots { get; }

    /// <summary>Key/value heads per layer.</summary>
    public int KvHeads { get; }

    /// <summary>Size of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Positions a slot can hold.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled in <paramref name="slot"/> (the position of its next token).</summary>
    public int Length(int slot) => _lengths[slot];

    /// <summary>Empties every slot.</summary>
    public void Clear() => Array.Clear(_lengths);

    /// <summary>
    /// Makes slot <paramref name="to"/> a copy of the first <paramref name="positions"/> positions of slot
    /// <paramref name="from"/>: a prompt prefilled once, shared by a group of samples.
    /// </summary>
    public void CopyPrefix(int from, int to, int positions)
    {
        if (positions < 0 || positions > _lengths[from])
            throw new ArgumentOutOfRangeException(nameof(positions), $"slot {from} holds {_lengths[from]} positions, cannot copy {positions}");
        if (from != to)
        {
            var n = positions * HeadDim;
            for (var l = 0; l < Layers; l++)
            for (var h = 0; h < KvHeads; h++)
            {
                _keys[l].AsSpan(HeadOffset(from, h), n).CopyTo(_keys[l].AsSpan(HeadOffset(to, h), n));
                _values[l].AsSpan(HeadOffset(from, h), n).CopyTo(_values[l].AsSpan(HeadOffset(to, h), n));
            }
        }
        _lengths[to] = positions;
    }

    internal float[] Keys(int layer) => _keys[layer];

    internal float[] Values(int layer) => _values[layer];

    internal int HeadOffset(int slot, int kvHead) => (slot * KvHeads + kvHead) * Capacity * HeadDim;

    internal void Advance(int slot, int count) => _lengths[slot] += count;
}
