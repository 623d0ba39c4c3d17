namespace R2ec.Data.Parquet;

/// <summary>
/// Walks the shape of one Thrift compact-protocol struct (field headers, varints, lengths, list sizes) without decoding
/// it, so that a footer or a page header is known to be well formed before Parquet.Net parses it. Parquet.Net 6.1 reads
/// past the end of its input without stopping (a corrupt footer makes it loop forever) and allocates lists and byte
/// arrays as large as a corrupt length declares; after this walk every length fits in the bytes that follow it.
/// It decodes nothing except, on request, the I32 fields of the struct and of the structs directly inside it (a page
/// header's sizes, CRC and value counts), keyed by <see cref="Key"/>.
/// </summary>
internal ref struct ThriftShape
{
    /// <summary>Deepest nesting accepted (the Parquet format nests a few levels; Parquet.Net recurses per level).</summary>
    public const int MaxDepth = 32;

    private readonly ReadOnlySpan<byte> _data;
    private readonly Dictionary<int, int>? _i32;
    private int _at;

    private ThriftShape(ReadOnlySpan<byte> data, Dictionary<int, int>? i32)
    {
        _data = data;
        _i32 = i32;
    }

    /// <summary>The key of I32 field <paramref name="id"/> inside the struct-valued field <paramref name="parent"/> (0: the struct itself).</summary>
    public static int Key(short parent, short id) => (parent << 16) | (ushort)id;

    /// <summary>
    /// The length of the struct that starts at the beginning of <paramref name="data"/>. Throws
    /// <see cref="ThriftShapeException"/>: <see cref="ThriftShapeException.Truncated"/> when the struct (or a length in
    /// it) runs past the end of <paramref name="data"/>, otherwise for a malformed struct. When
    /// <paramref name="i32"/> is given it receives the I32 fields of the struct and of its direct child structs.
    /// </summary>
    public static int StructLength(ReadOnlySpan<byte> data, Dictionary<int, int>? i32 = null)
    {
        var walk = new ThriftShape(data, i32);
        walk.Struct(0, 0);
        return walk._at;
    }

    private byte Next() =>
        _at < _data.Length ? _data[_at++] : throw new ThriftShapeException($"runs past its {_data.Length} bytes", truncated: true);

    private void Skip(ulong count)
    {
        if (count > (ulong)(_data.Length - _at))
            throw new ThriftShapeException($"declares {count} bytes at byte {_at}, past its {_data.Length} bytes", truncated: true);
        _at += (int)count;
    }

    private ulong Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Next();
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new ThriftShapeException($"has a varint longer than 10 bytes ending at byte {_at}", truncated: false);
    }

    private static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    private void Struct(int depth, short parent)
    {
        if (depth > MaxDepth)
            throw new ThriftShapeException($"nests structs deeper than {MaxDepth} levels", truncated: false);
        long lastId = 0;
        while (true)
        {
            var header = Next();
            if (header == 0) return; // stop
            var type = header & 0x0f;
            var delta = header >> 4;
            var id = delta != 0 ? lastId + delta : ZigZag(Varint());
            if (id is < short.MinValue or > short.MaxValue)
                throw new ThriftShapeException($"has field id {id} at byte {_at}", truncated: false);
            lastId = id;
            if (depth <= 1 && type == 5 && _i32 is not null)
                _i32[Key(parent, (short)id)] = (int)ZigZag(Varint());
            else if (depth == 0 && type == 12)
                Struct(1, (short)id);
            else if (type is 1 or 2)
                continue; // a boolean field's value is its header
            else
                Value(type, depth);
        }
    }

    private void Value(int type, int depth)
    {
        switch (type)
        {
            case 3: Skip(1); break;                  // byte
            case 4: case 5: case 6: Varint(); break; // i16, i32, i64
            case 7: Skip(8); break;                  // double
            case 8: Skip(Varint()); break;           // binary
            case 9: List(depth); break;
            case 12: Struct(depth + 1, -1); break;
            default:
                // Sets, maps, UUIDs and booleans outside a field do not occur in the Parquet format, and Parquet.Net skips them wrongly or not at all.
                throw new ThriftShapeException($"has Thrift type {type} at byte {_at}, which the Parquet format does not use", truncated: false);
        }
    }

    private void List(int depth)
    {
        if (depth > MaxDepth)
            throw new ThriftShapeException($"nests lists deeper than {MaxDepth} levels", truncated: false);
        var header = Next();
        var count = (ulong)(header >> 4);
        if (count == 15) count = Varint();
        // Every element takes at least one byte, so a count past the remaining bytes is a corrupt length.
        if (count > (ulong)(_data.Length - _at))
            throw new ThriftShapeException($"declares a list of {count} elements at byte {_at}, past its {_data.Length} bytes", truncated: true);
        var type = header & 0x0f;
        for (ulong i = 0; i < count; i++) Value(type, depth + 1);
    }
}

/// <summary>A Thrift struct whose shape <see cref="ThriftShape"/> rejected.</summary>
internal sealed class ThriftShapeException(string message, bool truncated) : Exception(message)
{
    /// <summary>Whether more bytes might complete the struct (it ran past the end of the bytes given).</summary>
    public bool Truncated { get; } = truncated;
}
