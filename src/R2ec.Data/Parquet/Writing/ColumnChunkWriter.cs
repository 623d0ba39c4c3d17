using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using R2ec.Data.Parquet.Compression;
using R2ec.Data.Parquet.Encodings;
using R2ec.Data.Parquet.Format;
using R2ec.Data.Parquet.Thrift;

namespace R2ec.Data.Parquet.Writing;

/// <summary>Encodes one column chunk (optional dictionary page, then data pages) and describes it for the footer.</summary>
internal static class ColumnChunkWriter
{
    public static ColumnChunk Write(Stream output, ShreddedColumn column, ParquetWriteOptions options)
    {
        var values = column.Values;
        var dictionary = options.Dictionary && values.Type != PhysicalType.Boolean
            ? DictionaryBuilder.TryBuild(values, options.MaxDictionaryBytes)
            : null;
        var meta = new ColumnMetaData
        {
            Type = values.Type,
            PathInSchema = [.. WriterSchema.Path(column.Spec)],
            Codec = options.Compression,
            NumValues = column.Entries,
        };
        var chunkStart = output.Position;
        long uncompressedTotal = 0;
        if (dictionary is not null)
        {
            meta.DictionaryPageOffset = output.Position;
            var plain = EncodePlain(values, dictionary.Entries);
            uncompressedTotal += WritePage(output, PageType.DictionaryPage, plain, plain.Length, options, h =>
            {
                h.StructField(7);
                h.I32(1, dictionary.Entries.Length);
                h.I32(2, (int)ParquetEncoding.Plain);
                h.EndStruct();
            });
        }
        meta.DataPageOffset = output.Position;
        var encoding = dictionary is null ? ParquetEncoding.Plain : ParquetEncoding.RleDictionary;
        meta.Encodings = dictionary is null
            ? [ParquetEncoding.Plain, ParquetEncoding.Rle]
            : [ParquetEncoding.Plain, ParquetEncoding.Rle, ParquetEncoding.RleDictionary];

        // Pages hold whole rows; their count follows the estimated encoded size.
        var rowEntry = RowStarts(column);
        var estimate = dictionary is null ? values.PlainSize(0, values.Count) : values.Count * 2L;
        var pages = (int)Math.Clamp((estimate + column.Entries) / Math.Max(1, options.PageTargetBytes) + 1, 1, Math.Max(1, column.Rows));
        var rowsPerPage = (column.Rows + pages - 1) / pages;
        var valueAt = 0;
        for (var row = 0; row < column.Rows || (row == 0 && column.Rows == 0); row += Math.Max(1, rowsPerPage))
        {
            var rowEnd = Math.Min(column.Rows, row + rowsPerPage);
            var from = rowEntry[row];
            var to = rowEntry[rowEnd];
            var present = CountPresent(column, from, to);
            uncompressedTotal += WriteDataPage(output, column, from, to, rowEnd - row, valueAt, valueAt + present, dictionary, encoding, options);
            valueAt += present;
            if (column.Rows == 0) break;
        }
        meta.TotalCompressedSize = output.Position - chunkStart;
        meta.TotalUncompressedSize = uncompressedTotal;
        if (options.Statistics)
            meta.Statistics = StatisticsBuilder.Build(column, dictionary);
        return new ColumnChunk { FileOffset = chunkStart, MetaData = meta };
    }

    private static int[] RowStarts(ShreddedColumn column)
    {
        var starts = new int[column.Rows + 1];
        if (column.Rep is null)
        {
            for (var r = 0; r <= column.Rows; r++) starts[r] = r;
            return starts;
        }
        var row = 0;
        for (var e = 0; e < column.Entries; e++)
            if (column.Rep[e] == 0) starts[row++] = e;
        starts[column.Rows] = column.Entries;
        return starts;
    }

    private static int CountPresent(ShreddedColumn column, int from, int to)
    {
        if (column.Def is null) return to - from;
        var max = (byte)column.MaxDef;
        return column.Def.AsSpan(from, to - from).Count(max);
    }

    private static long WriteDataPage(Stream output, ShreddedColumn column, int from, int to, int rows, int valueFrom,
        int valueTo, DictionaryBuilder.Result? dictionary, ParquetEncoding encoding, ParquetWriteOptions options)
    {
        var levels = new ArrayBufferWriter<byte>();
        var repLength = 0;
        var defLength = 0;
        if (column.Rep is not null)
            repLength = WriteLevels(column.Rep.AsSpan(from, to - from), 1, levels, !options.DataPageV2);
        if (column.Def is not null)
            defLength = WriteLevels(column.Def.AsSpan(from, to - from), column.MaxDef, levels, !options.DataPageV2);
        var body = dictionary is null
            ? EncodePlainRange(column.Values, valueFrom, valueTo)
            : EncodeIndices(dictionary.Indices.AsSpan(valueFrom, valueTo - valueFrom), dictionary.Entries.Length);
        var entries = to - from;
        var nulls = entries - (valueTo - valueFrom);
        if (!options.DataPageV2)
        {
            var page = new byte[levels.WrittenCount + body.Length];
            levels.WrittenSpan.CopyTo(page);
            body.CopyTo(page.AsSpan(levels.WrittenCount));
            return WritePage(output, PageType.DataPage, page, page.Length, options, h =>
            {
                h.StructField(5);
                h.I32(1, entries);
                h.I32(2, (int)encoding);
                h.I32(3, (int)ParquetEncoding.Rle);
                h.I32(4, (int)ParquetEncoding.Rle);
                h.EndStruct();
            });
        }
        // v2: levels stay uncompressed in front of the compressed values.
        var compressed = PageCompression.Compress(options.Compression, body, options.CompressionLevel);
        var v2 = new byte[levels.WrittenCount + compressed.Length];
        levels.WrittenSpan.CopyTo(v2);
        compressed.CopyTo(v2.AsSpan(levels.WrittenCount));
        return WriteRawPage(output, PageType.DataPageV2, v2, levels.WrittenCount + body.Length, h =>
        {
            h.StructField(8);
            h.I32(1, entries);
            h.I32(2, nulls);
            h.I32(3, rows);
            h.I32(4, (int)encoding);
            h.I32(5, defLength);
            h.I32(6, repLength);
            h.Bool(7, true);
            h.EndStruct();
        });
    }

    /// <summary>Writes levels (v1: with a 4-byte length prefix); returns the encoded length without the prefix.</summary>
    private static int WriteLevels(ReadOnlySpan<byte> levels, int max, ArrayBufferWriter<byte> output, bool lengthPrefix)
    {
        var ints = new int[levels.Length];
        for (var i = 0; i < ints.Length; i++) ints[i] = levels[i];
        var encoded = new ArrayBufferWriter<byte>();
        RleHybridEncoder.Encode(ints, RleHybridDecoder.BitWidth(max), encoded);
        if (lengthPrefix)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), encoded.WrittenCount);
            output.Advance(4);
        }
        output.Write(encoded.WrittenSpan);
        return encoded.WrittenCount;
    }

    private static byte[] EncodeIndices(ReadOnlySpan<int> indices, int dictionarySize)
    {
        var width = Math.Max(1, RleHybridDecoder.BitWidth(dictionarySize - 1));
        var output = new ArrayBufferWriter<byte>();
        output.GetSpan(1)[0] = (byte)width;
        output.Advance(1);
        RleHybridEncoder.Encode(indices, width, output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] EncodePlain(ColumnValues values, int[] which)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var i in which) AppendPlain(values, i, output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] EncodePlainRange(ColumnValues values, int from, int to)
    {
        var n = to - from;
        switch (values.Type)
        {
            case PhysicalType.Int32: return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values.Ints).Slice(from, n)).ToArray();
            case PhysicalType.Int64: return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values.Longs).Slice(from, n)).ToArray();
            case PhysicalType.Float: return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values.Floats).Slice(from, n)).ToArray();
            case PhysicalType.Double: return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values.Doubles).Slice(from, n)).ToArray();
            case PhysicalType.Boolean:
            {
                var bytes = new byte[(n + 7) / 8];
                for (var i = 0; i < n; i++)
                    if (values.Bools[from + i]) bytes[i >> 3] |= (byte)(1 << (i & 7));
                return bytes;
            }
            default:
            {
                var output = new ArrayBufferWriter<byte>((int)Math.Min(Array.MaxLength, values.PlainSize(from, to)));
                for (var i = from; i < to; i++) AppendPlain(values, i, output);
                return output.WrittenSpan.ToArray();
            }
        }
    }

    private static void AppendPlain(ColumnValues values, int i, ArrayBufferWriter<byte> output)
    {
        switch (values.Type)
        {
            case PhysicalType.Int32: BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), values.Ints[i]); output.Advance(4); break;
            case PhysicalType.Int64: BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), values.Longs[i]); output.Advance(8); break;
            case PhysicalType.Float: BinaryPrimitives.WriteSingleLittleEndian(output.GetSpan(4), values.Floats[i]); output.Advance(4); break;
            case PhysicalType.Double: BinaryPrimitives.WriteDoubleLittleEndian(output.GetSpan(8), values.Doubles[i]); output.Advance(8); break;
            default:
            {
                var bytes = values.Bytes(i);
                BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), bytes.Length);
                output.Advance(4);
                output.Write(bytes);
                break;
            }
        }
    }

    /// <summary>Compresses and writes a page with its header; returns the uncompressed size (header included).</summary>
    private static long WritePage(Stream output, PageType type, byte[] body, int uncompressedSize, ParquetWriteOptions options,
        Action<ThriftCompactWriter> typeHeader)
    {
        var compressed = PageCompression.Compress(options.Compression, body, options.CompressionLevel);
        return WriteRawPage(output, type, compressed, uncompressedSize, typeHeader);
    }

    private static long WriteRawPage(Stream output, PageType type, byte[] stored, int uncompressedSize,
        Action<ThriftCompactWriter> typeHeader)
    {
        var h = new ThriftCompactWriter();
        h.BeginStruct();
        h.I32(1, (int)type);
        h.I32(2, uncompressedSize);
        h.I32(3, stored.Length);
        h.I32(4, unchecked((int)Crc32.Compute(stored)));
        typeHeader(h);
        h.EndStruct();
        var header = h.ToArray();
        output.Write(header);
        output.Write(stored);
        return header.Length + (long)uncompressedSize;
    }
}
