using System.Buffers.Binary;
using R2ec.Data.Parquet.Format;

namespace R2ec.Data.Parquet.Writing;

/// <summary>Min, max (PLAIN-encoded, NaN ignored, byte arrays compared as unsigned bytes) and null count of a chunk.</summary>
internal static class StatisticsBuilder
{
    public static Statistics Build(ShreddedColumn column, DictionaryBuilder.Result? dictionary)
    {
        var v = column.Values;
        var stats = new Statistics { NullCount = column.Entries - v.Count };
        // With a dictionary every distinct value is an entry: scan those instead of every value.
        IEnumerable<int> candidates = dictionary is not null ? dictionary.Entries : Enumerable.Range(0, v.Count);
        int? min = null, max = null;
        foreach (var i in candidates)
        {
            if (v.Type == PhysicalType.Float && float.IsNaN(v.Floats[i])) continue;
            if (v.Type == PhysicalType.Double && double.IsNaN(v.Doubles[i])) continue;
            if (min is null || Compare(v, i, min.Value) < 0) min = i;
            if (max is null || Compare(v, i, max.Value) > 0) max = i;
        }
        if (min is { } lo && max is { } hi)
        {
            stats.MinValue = Plain(v, lo);
            stats.MaxValue = Plain(v, hi);
        }
        return stats;
    }

    private static int Compare(ColumnValues v, int a, int b) => v.Type switch
    {
        PhysicalType.Int32 => v.Ints[a].CompareTo(v.Ints[b]),
        PhysicalType.Int64 => v.Longs[a].CompareTo(v.Longs[b]),
        PhysicalType.Float => v.Floats[a].CompareTo(v.Floats[b]),
        PhysicalType.Double => v.Doubles[a].CompareTo(v.Doubles[b]),
        PhysicalType.Boolean => v.Bools[a].CompareTo(v.Bools[b]),
        _ => v.Bytes(a).SequenceCompareTo(v.Bytes(b)),
    };

    private static byte[] Plain(ColumnValues v, int i)
    {
        switch (v.Type)
        {
            case PhysicalType.Int32: { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v.Ints[i]); return b; }
            case PhysicalType.Int64: { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v.Longs[i]); return b; }
            case PhysicalType.Float: { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v.Floats[i]); return b; }
            case PhysicalType.Double: { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v.Doubles[i]); return b; }
            case PhysicalType.Boolean: return [(byte)(v.Bools[i] ? 1 : 0)];
            default: return v.Bytes(i).ToArray();
        }
    }
}
