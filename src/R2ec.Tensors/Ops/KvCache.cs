namespace R2ec.Tensors.Ops;

/// <summary>
/// Keys (after rotary embedding) and values of past positions for every layer, laid out
/// [layer][batch, kvHead, position, headDim] so one head's history is one contiguous matrix.
/// </summary>
public sealed class KvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;

    /// <summary>Allocates room for <paramref name="capacity"/> positions of <paramref name="batch"/> sequences.</summary>
    public KvCache(int layers, int batch, int kvHeads, int headDim, int capacity)
    {
        Layers = layers;
        Batch = batch;
        KvHeads = kvHeads;
        HeadDim = headDim;
        Capacity = capacity;
        var size = checked(batch * kvHeads * capacity * headDim);
        _keys = new float[layers][];
        _values = new float[layers][];
        for (var l = 0; l < layers; l++)
        {
            _keys[l] = GC.AllocateUninitializedArray<float>(size, pinned: true);
            _values[l] = GC.AllocateUninitializedArray<float>(size, pinned: true);
        }
    }

    /// <summary>Layers held.</summary>
    public int Layers { get; }

    /// <summary>Sequences held.</summary>
    public int Batch { get; }

    /// <summary>Key/value heads per layer.</summary>
    public int KvHeads { get; }

    /// <summary>Size of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Positions each sequence can hold.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled so far (the next token's position); the model advances it after the last layer.</summary>
    public int Length { get; set; }

    /// <summary>Keys of one layer.</summary>
    public Span<float> Keys(int layer) => _keys[layer];

    /// <summary>Values of one layer.</summary>
    public Span<float> Values(int layer) => _values[layer];

    /// <summary>Offset of (sequence, head, position 0) inside a layer's keys or values.</summary>
    public int HeadOffset(int sequence, int kvHead) => (sequence * KvHeads + kvHead) * Capacity * HeadDim;

    /// <summary>
    /// Copies the first <paramref name="positions"/> positions of sequence <paramref name="from"/> into sequence
    /// <paramref name="to"/> in every layer (one prefill shared by a group of samples).
    /// </summary>
    public void CopySequence(int from, int to, int positions)
    {
        for (var l = 0; l < Layers; l++)
        for (var h = 0; h < KvHeads; h++)
        {
            var n = positions * HeadDim;
            _keys[l].AsSpan(HeadOffset(from, h), n).CopyTo(_keys[l].AsSpan(HeadOffset(to, h), n));
            _values[l].AsSpan(HeadOffset(from, h), n).CopyTo(_values[l].AsSpan(HeadOffset(to, h), n));
        }
    }
}
