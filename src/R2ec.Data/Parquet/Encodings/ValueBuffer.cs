namespace R2ec.Data.Parquet.Encodings;

/// <summary>
/// The decoded non-null values of one column chunk in their physical form. Byte arrays (and FLBA, INT96) live in one
/// byte heap addressed by (start, length), so dictionary-encoded values point at the dictionary's bytes instead of
/// copying them: a tiny page of indices cannot expand into gigabytes. Heap growth is capped by
/// <see cref="ParquetReadOptions.MaxColumnChunkBytes"/>.
/// </summary>
internal sealed class ValueBuffer
{
    private readonly long _maxHeapBytes;
    private readonly string _column;

    public ValueBuffer(PhysicalType type, int fixedWidth, long maxHeapBytes, string column)
    {
        Type = type;
        FixedWidth = type == PhysicalType.Int96 ? 12 : fixedWidth;
        _maxHeapBytes = maxHeapBytes;
        _column = column;
    }

    public PhysicalType Type { get; }
    public int FixedWidth { get; }
    public int Count { get; private set; }

    public bool[] Bools = [];
    public int[] Ints = [];
    public long[] Longs = [];
    public float[] Floats = [];
    public double[] Doubles = [];
    public byte[] Heap = [];
    public int HeapLength;
    public int[] Starts = [];
    public int[] Lengths = [];

    /// <summary>Whether some values point at dictionary bytes (so equal values share a heap range).</summary>
    public bool SharesDictionary;

    public bool IsBytes => Type is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray or PhysicalType.Int96;

    public ReadOnlySpan<byte> GetBytes(int i) => Heap.AsSpan(Starts[i], Lengths[i]);

    /// <summary>Makes room for <paramref name="extra"/> more values and returns the index of the first.</summary>
    public int Reserve(int extra)
    {
        var need = (long)Count + extra;
        if (need > Array.MaxLength)
            throw new ParquetException($"column '{_column}': more than {Array.MaxLength} values in one column chunk");
        switch (Type)
        {
            case PhysicalType.Boolean: Grow(ref Bools, (int)need); break;
            case PhysicalType.Int32: Grow(ref Ints, (int)need); break;
            case PhysicalType.Int64: Grow(ref Longs, (int)need); break;
            case PhysicalType.Float: Grow(ref Floats, (int)need); break;
            case PhysicalType.Double: Grow(ref Doubles, (int)need); break;
            default:
                Grow(ref Starts, (int)need);
                Grow(ref Lengths, (int)need);
                break;
        }
        var first = Count;
        Count = (int)need;
        return first;
    }

    /// <summary>Drops values reserved but not filled (after a decode error nothing is kept anyway).</summary>
    public void Truncate(int count) => Count = count;

    /// <summary>Copies bytes into the heap and returns their start.</summary>
    public int AppendHeap(ReadOnlySpan<byte> bytes)
    {
        var start = ReserveHeap(bytes.Length);
        bytes.CopyTo(Heap.AsSpan(start));
        return start;
    }

    /// <summary>Makes room for <paramref name="length"/> heap bytes and returns their start.</summary>
    public int ReserveHeap(int length)
    {
        var need = (long)HeapLength + length;
        if (need > _maxHeapBytes || need > Array.MaxLength)
            throw new ParquetException(
                $"column '{_column}': column chunk decodes to more than {Math.Min(_maxHeapBytes, Array.MaxLength)} bytes " +
                "(ParquetReadOptions.MaxColumnChunkBytes)");
        if (need > Heap.Length)
        {
            var size = Math.Max(need, Math.Min((long)Heap.Length * 2, Math.Min(_maxHeapBytes, Array.MaxLength)));
            Array.Resize(ref Heap, (int)Math.Max(size, 256));
        }
        var start = HeapLength;
        HeapLength = (int)need;
        return start;
    }

    private static void Grow<T>(ref T[] array, int need)
    {
        if (need <= array.Length) return;
        var size = Math.Max(need, (int)Math.Min((long)array.Length * 2, Array.MaxLength));
        Array.Resize(ref array, Math.Max(size, 16));
    }
}
