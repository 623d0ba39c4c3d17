namespace R2ec.Data.Parquet.Writing;

/// <summary>Builds a column chunk's dictionary, giving up when its PLAIN size passes the limit.</summary>
internal static class DictionaryBuilder
{
    /// <summary>The dictionary as indices of the values that first held each entry, and each value's entry index.</summary>
    public sealed record Result(int[] Entries, int[] Indices);

    public static Result? TryBuild(ColumnValues values, int maxBytes)
    {
        var n = values.Count;
        var indices = new int[n];
        var entries = new List<int>();
        long size = 0;
        switch (values.Type)
        {
            case PhysicalType.Int32:
                return Numbers(n, i => values.Ints[i], 4);
            case PhysicalType.Int64:
                return Numbers(n, i => values.Longs[i], 8);
            case PhysicalType.Float:
                return Numbers(n, i => BitConverter.SingleToInt32Bits(values.Floats[i]), 4);
            case PhysicalType.Double:
                return Numbers(n, i => BitConverter.DoubleToInt64Bits(values.Doubles[i]), 8);
            default:
            {
                var map = new Dictionary<int, int>(new SliceComparer(values));
                for (var i = 0; i < n; i++)
                {
                    if (!map.TryGetValue(i, out var idx))
                    {
                        idx = entries.Count;
                        map.Add(i, idx);
                        entries.Add(i);
                        size += 4 + values.Bytes(i).Length;
                        if (size > maxBytes) return null;
                    }
                    indices[i] = idx;
                }
                return new Result([.. entries], indices);
            }
        }

        Result? Numbers(int count, Func<int, long> key, int width)
        {
            // Bit patterns as keys keep NaN payloads and -0.0 apart from +0.0. Open addressing: the dictionary is
            // capped at maxBytes / width entries, so the table is too, and lookups stay in cache.
            var capacity = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, maxBytes / width * 2 + 2)));
            var keys = new long[Math.Min(capacity, Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count * 2 + 2)))];
            var slots = new int[keys.Length];
            var mask = keys.Length - 1;
            for (var i = 0; i < count; i++)
            {
                var k = key(i);
                var h = (int)((ulong)(k * unchecked((long)0x9E3779B97F4A7C15)) >> 40) & mask;
                while (slots[h] != 0 && keys[h] != k) h = (h + 1) & mask;
                if (slots[h] == 0)
                {
                    size += width;
                    if (size > maxBytes || entries.Count * 2 >= keys.Length) return null;
                    keys[h] = k;
                    slots[h] = entries.Count + 1;
                    entries.Add(i);
                }
                indices[i] = slots[h] - 1;
            }
            return new Result([.. entries], indices);
        }
    }

    /// <summary>Compares byte-array values (by their index) by content.</summary>
    private sealed class SliceComparer(ColumnValues values) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b) => values.Bytes(a).SequenceEqual(values.Bytes(b));

        public int GetHashCode(int i)
        {
            var h = new HashCode();
            h.AddBytes(values.Bytes(i));
            return h.ToHashCode();
        }
    }
}
