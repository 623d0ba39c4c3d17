using System.Runtime.InteropServices;

namespace R2ec.Data.Parquet.Encodings;

/// <summary>A decoded dictionary page, its bytes copied once into the chunk's heap at <see cref="HeapBase"/>.</summary>
internal sealed record DictionaryValues(ValueBuffer Values, int HeapBase);

/// <summary>Decodes the values section of a data page in any supported encoding.</summary>
internal static class ValueDecoder
{
    public static void Decode(ParquetEncoding encoding, ReadOnlySpan<byte> data, int count, ValueBuffer into,
        DictionaryValues? dictionary, string what)
    {
        if (count == 0)
            return;
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                PlainDecoder.Decode(data, count, into, what);
                break;
            case ParquetEncoding.PlainDictionary:
            case ParquetEncoding.RleDictionary:
                DecodeDictionaryIndices(data, count, into, dictionary, what);
                break;
            case ParquetEncoding.Rle when into.Type == PhysicalType.Boolean:
            {
                var bits = new int[count];
                RleHybridDecoder.DecodeWithLengthPrefix(data, 1, bits, what);
                var first = into.Reserve(count);
                for (var i = 0; i < count; i++) into.Bools[first + i] = bits[i] != 0;
                break;
            }
            case ParquetEncoding.DeltaBinaryPacked when into.Type is PhysicalType.Int32 or PhysicalType.Int64:
            {
                CheckCount(data, count, what);
                var values = new long[count];
                DeltaDecoders.DecodeBinaryPacked(data, values, what);
                var first = into.Reserve(count);
                if (into.Type == PhysicalType.Int32)
                    for (var i = 0; i < count; i++) into.Ints[first + i] = unchecked((int)values[i]);
                else
                    values.CopyTo(into.Longs.AsSpan(first));
                break;
            }
            case ParquetEncoding.DeltaLengthByteArray when into.Type == PhysicalType.ByteArray:
                CheckCount(data, count, what);
                DeltaDecoders.DecodeLengthByteArray(data, count, into, what);
                break;
            case ParquetEncoding.DeltaByteArray when into.Type is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray:
            {
                CheckCount(data, count, what);
                var first = into.Count;
                DeltaDecoders.DecodeByteArray(data, count, into, what);
                if (into.Type == PhysicalType.FixedLenByteArray
                    && into.Lengths.AsSpan(first, count).IndexOfAnyExcept(into.FixedWidth) is var bad and >= 0)
                    throw new ParquetException($"{what}: DELTA_BYTE_ARRAY value of {into.Lengths[first + bad]} bytes in a FIXED_LEN_BYTE_ARRAY({into.FixedWidth}) column");
                break;
            }
            case ParquetEncoding.ByteStreamSplit when into.Type is not (PhysicalType.Boolean or PhysicalType.ByteArray or PhysicalType.Int96):
                DecodeByteStreamSplit(data, count, into, what);
                break;
            default:
                throw new ParquetException($"{what}: encoding {encoding} is not supported for {into.Type} values");
        }
    }

    // Delta streams need at least one byte per 64 values once past the header (8 values of width 0 cost the header
    // only per block, so allow generously); this keeps a forged count from allocating ahead of the bytes.
    private static void CheckCount(ReadOnlySpan<byte> data, int count, string what)
    {
        if (count > (long)data.Length * 1024 + 1024)
            throw new ParquetException($"{what}: {count} delta-encoded values cannot fit in {data.Length} bytes");
    }

    private static void DecodeDictionaryIndices(ReadOnlySpan<byte> data, int count, ValueBuffer into,
        DictionaryValues? dictionary, string what)
    {
        if (dictionary is null)
            throw new ParquetException($"{what}: dictionary-encoded page but the column chunk has no dictionary page");
        if (data.Length < 1)
            throw new ParquetException($"{what}: dictionary-encoded page has no bit width byte");
        int bitWidth = data[0];
        var indices = new int[count];
        RleHybridDecoder.Decode(data[1..], bitWidth, indices, what);
        var dict = dictionary.Values;
        var size = dict.Count;
        foreach (var idx in indices)
        {
            if ((uint)idx >= (uint)size)
                throw new ParquetException($"{what}: dictionary index {idx} out of range (dictionary has {size} entries)");
        }
        var first = into.Reserve(count);
        switch (into.Type)
        {
            case PhysicalType.Boolean:
                for (var i = 0; i < count; i++) into.Bools[first + i] = dict.Bools[indices[i]];
                break;
            case PhysicalType.Int32:
                for (var i = 0; i < count; i++) into.Ints[first + i] = dict.Ints[indices[i]];
                break;
            case PhysicalType.Int64:
                for (var i = 0; i < count; i++) into.Longs[first + i] = dict.Longs[indices[i]];
                break;
            case PhysicalType.Float:
                for (var i = 0; i < count; i++) into.Floats[first + i] = dict.Floats[indices[i]];
                break;
            case PhysicalType.Double:
                for (var i = 0; i < count; i++) into.Doubles[first + i] = dict.Doubles[indices[i]];
                break;
            default:
                into.SharesDictionary = true;
                for (var i = 0; i < count; i++)
                {
                    into.Starts[first + i] = dictionary.HeapBase + dict.Starts[indices[i]];
                    into.Lengths[first + i] = dict.Lengths[indices[i]];
                }
                break;
        }
    }

    private static void DecodeByteStreamSplit(ReadOnlySpan<byte> data, int count, ValueBuffer into, string what)
    {
        var width = into.Type switch
        {
            PhysicalType.Int32 or PhysicalType.Float => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            _ => into.FixedWidth,
        };
        if ((long)count * width > data.Length)
            throw new ParquetException($"{what}: {count} BYTE_STREAM_SPLIT values of {width} bytes need more than the page's {data.Length} bytes");
        var joined = new byte[count * width];
        for (var k = 0; k < width; k++)
        {
            var stream = data.Slice(k * count, count);
            for (var i = 0; i < count; i++) joined[i * width + k] = stream[i];
        }
        var first = into.Reserve(count);
        switch (into.Type)
        {
            case PhysicalType.Int32: MemoryMarshal.Cast<byte, int>(joined).CopyTo(into.Ints.AsSpan(first)); break;
            case PhysicalType.Float: MemoryMarshal.Cast<byte, float>(joined).CopyTo(into.Floats.AsSpan(first)); break;
            case PhysicalType.Int64: MemoryMarshal.Cast<byte, long>(joined).CopyTo(into.Longs.AsSpan(first)); break;
            case PhysicalType.Double: MemoryMarshal.Cast<byte, double>(joined).CopyTo(into.Doubles.AsSpan(first)); break;
            default:
            {
                var start = into.AppendHeap(joined);
                for (var i = 0; i < count; i++)
                {
                    into.Starts[first + i] = start + i * width;
                    into.Lengths[first + i] = width;
                }
                break;
            }
        }
    }
}
