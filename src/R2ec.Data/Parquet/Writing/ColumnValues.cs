using System.Buffers;
using System.Text;

namespace R2ec.Data.Parquet.Writing;

/// <summary>The non-null values of a column chunk in physical form, ready to encode.</summary>
internal sealed class ColumnValues(PhysicalType type)
{
    public PhysicalType Type { get; } = type;
    public readonly List<int> Ints = [];
    public readonly List<long> Longs = [];
    public readonly List<float> Floats = [];
    public readonly List<double> Doubles = [];
    public readonly List<bool> Bools = [];
    public readonly ArrayBufferWriter<byte> Heap = new();
    public readonly List<int> Offsets = [0];

    public int Count => Type switch
    {
        PhysicalType.Int32 => Ints.Count,
        PhysicalType.Int64 => Longs.Count,
        PhysicalType.Float => Floats.Count,
        PhysicalType.Double => Doubles.Count,
        PhysicalType.Boolean => Bools.Count,
        _ => Offsets.Count - 1,
    };

    // Strict: a lone surrogate cannot be stored as UTF-8, and replacing it would not read back as written.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void AddString(string s, string column)
    {
        var max = Utf8.GetMaxByteCount(s.Length);
        var span = Heap.GetSpan(max);
        int n;
        try
        {
            n = Utf8.GetBytes(s, span);
        }
        catch (EncoderFallbackException e)
        {
            throw new ParquetException($"column '{column}': string value {Count} is not valid Unicode (a lone surrogate): {e.Message}", e);
        }
        Heap.Advance(n);
        Offsets.Add(Heap.WrittenCount);
    }

    public ReadOnlySpan<byte> Bytes(int i) => Heap.WrittenSpan[Offsets[i]..Offsets[i + 1]];

    /// <summary>Bytes the values [from, to) take PLAIN-encoded.</summary>
    public long PlainSize(int from, int to) => Type switch
    {
        PhysicalType.Int32 or PhysicalType.Float => 4L * (to - from),
        PhysicalType.Int64 or PhysicalType.Double => 8L * (to - from),
        PhysicalType.Boolean => (to - from + 7) / 8,
        _ => Offsets[to] - Offsets[from] + 4L * (to - from),
    };
}

/// <summary>A column's levels and values for one row group.</summary>
internal sealed class ShreddedColumn(ParquetColumnSpec spec, ColumnValues values, byte[]? def, byte[]? rep, int entries, int rows)
{
    public ParquetColumnSpec Spec { get; } = spec;
    public ColumnValues Values { get; } = values;
    public byte[]? Def { get; } = def;
    public byte[]? Rep { get; } = rep;
    public int Entries { get; } = entries;
    public int Rows { get; } = rows;

    public int MaxDef => WriterSchema.MaxDefinitionLevel(Spec);
    public int MaxRep => Spec.IsList ? 1 : 0;
}
