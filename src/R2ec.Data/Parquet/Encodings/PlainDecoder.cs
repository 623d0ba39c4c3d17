using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace R2ec.Data.Parquet.Encodings;

/// <summary>Decodes PLAIN-encoded values of every physical type.</summary>
internal static class PlainDecoder
{
    /// <summary>Appends <paramref name="count"/> values; returns the bytes consumed.</summary>
    public static int Decode(ReadOnlySpan<byte> data, int count, ValueBuffer into, string what)
    {
        if (into.Type == PhysicalType.ByteArray)
            return DecodeByteArrays(data, count, into, what);
        long width = into.Type switch
        {
            PhysicalType.Boolean => 0,
            PhysicalType.Int32 or PhysicalType.Float => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            _ => into.FixedWidth,
        };
        var need = into.Type == PhysicalType.Boolean ? ((long)count + 7) / 8 : width * count;
        if (need > data.Length)
            throw new ParquetException($"{what}: {count} PLAIN {into.Type} values need {need} bytes but the page holds {data.Length}");
        var first = into.Reserve(count);
        var bytes = data[..(int)need];
        switch (into.Type)
        {
            case PhysicalType.Boolean:
                for (var i = 0; i < count; i++)
                    into.Bools[first + i] = ((bytes[i >> 3] >> (i & 7)) & 1) != 0;
                break;
            case PhysicalType.Int32:
                CopyLittleEndian(bytes, into.Ints.AsSpan(first, count));
                break;
            case PhysicalType.Int64:
                CopyLittleEndian(bytes, into.Longs.AsSpan(first, count));
                break;
            case PhysicalType.Float:
                CopyLittleEndian(bytes, into.Floats.AsSpan(first, count));
                break;
            case PhysicalType.Double:
                CopyLittleEndian(bytes, into.Doubles.AsSpan(first, count));
                break;
            default:
            {
                var start = into.AppendHeap(bytes);
                var w = (int)width;
                for (var i = 0; i < count; i++)
                {
                    into.Starts[first + i] = start + i * w;
                    into.Lengths[first + i] = w;
                }
                break;
            }
        }
        return (int)need;
    }

    private static void CopyLittleEndian<T>(ReadOnlySpan<byte> bytes, Span<T> output) where T : struct
    {
        // Parquet is little-endian and so is every machine .NET runs this project on.
        bytes.CopyTo(MemoryMarshal.AsBytes(output));
    }

    private static int DecodeByteArrays(ReadOnlySpan<byte> data, int count, ValueBuffer into, string what)
    {
        // Every value takes at least its 4-byte length, so the count is checked before reserving.
        if ((long)count * 4 > data.Length)
            throw new ParquetException($"{what}: {count} PLAIN BYTE_ARRAY values need at least {(long)count * 4} bytes but the page holds {data.Length}");
        var first = into.Reserve(count);
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - pos < 4)
                throw new ParquetException($"{what}: BYTE_ARRAY value {i} runs past the end of the page");
            var length = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
            pos += 4;
            if (length < 0 || length > data.Length - pos)
                throw new ParquetException($"{what}: BYTE_ARRAY value {i} has length {length} but {data.Length - pos} bytes remain");
            into.Starts[first + i] = pos;
            into.Lengths[first + i] = length;
            pos += length;
        }
        var heapStart = into.AppendHeap(data[..pos]);
        for (var i = 0; i < count; i++)
            into.Starts[first + i] += heapStart;
        return pos;
    }
}
