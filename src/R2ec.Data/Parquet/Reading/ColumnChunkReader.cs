using R2ec.Data.Parquet.Compression;
using R2ec.Data.Parquet.Encodings;
using R2ec.Data.Parquet.Format;

namespace R2ec.Data.Parquet.Reading;

/// <summary>One leaf column of one row group, decoded: levels (absent when their maximum is 0) and non-null values.</summary>
internal sealed class LeafChunk(ParquetLeaf leaf, ValueBuffer values)
{
    public ParquetLeaf Leaf { get; } = leaf;
    public ValueBuffer Values { get; } = values;
    public int Count;
    public byte[]? Def;
    public byte[]? Rep;

    public int DefAt(int i) => Def is null ? Leaf.MaxDefinitionLevel : Def[i];
    public int RepAt(int i) => Rep is null ? 0 : Rep[i];
}

/// <summary>Reads a column chunk's pages from the file and decodes them into a <see cref="LeafChunk"/>.</summary>
internal static class ColumnChunkReader
{
    public static LeafChunk Read(ByteSource file, long dataEnd, string fileName, RowGroup group, int groupIndex,
        ParquetLeaf leaf, ParquetReadOptions options)
    {
        var what = $"'{fileName}' row group {groupIndex} column '{leaf.Path}'";
        if (leaf.Index >= group.Columns.Count)
            throw new ParquetException($"{what}: the row group has only {group.Columns.Count} column chunks");
        var chunk = group.Columns[leaf.Index];
        if (chunk.Encrypted)
            throw new ParquetException($"{what}: column encryption is not supported");
        if (chunk.FilePath is not null)
            throw new ParquetException($"{what}: column chunks stored in another file ('{chunk.FilePath}') are not supported");
        var meta = chunk.MetaData ?? throw new ParquetException($"{what}: column chunk has no metadata");
        if (meta.Type != leaf.PhysicalType)
            throw new ParquetException($"{what}: column chunk type {meta.Type} differs from the schema's {leaf.PhysicalType}");
        if (meta.Codec is not (ParquetCompression.Uncompressed or ParquetCompression.Snappy or ParquetCompression.Gzip
            or ParquetCompression.Brotli or ParquetCompression.Zstd or ParquetCompression.Lz4 or ParquetCompression.Lz4Raw))
            throw new ParquetException($"{what}: compression codec {(Enum.IsDefined(meta.Codec) ? meta.Codec.ToString().ToUpperInvariant() : $"#{(int)meta.Codec}")} is not supported");

        // dictionary_page_offset = 0 is written by some tools to mean "absent".
        // A chunk holding only a dictionary page may have data_page_offset = 0.
        var start = meta.DictionaryPageOffset is > 0 and var d && (d < meta.DataPageOffset || meta.DataPageOffset <= 0)
            ? d
            : meta.DataPageOffset;
        var length = meta.TotalCompressedSize;
        if (start < 4 || length < 0 || start > dataEnd || length > dataEnd - start)
            throw new ParquetException($"{what}: column chunk at byte {start} of {length} bytes lies outside the file's data (ends at {dataEnd})");
        if (length > Array.MaxLength)
            throw new ParquetException($"{what}: column chunk of {length} bytes is larger than one .NET array");
        var bytes = new byte[length];
        file.ReadExactly(start, bytes, fileName);

        var values = new ValueBuffer(leaf.PhysicalType, leaf.Field.TypeLength, options.MaxColumnChunkBytes, leaf.Path);
        var result = new LeafChunk(leaf, values);
        var levels = new LevelSink(leaf, leaf.MaxRepetitionLevel == 0 ? group.NumRows : options.MaxColumnChunkValues, options.MaxColumnChunkValues);
        DictionaryValues? dictionary = null;
        var pos = 0;
        var pageIndex = 0;
        while (pos < bytes.Length)
        {
            var pageWhat = $"{what} page {pageIndex}";
            var header = MetadataReader.ReadPageHeader(bytes.AsSpan(pos), $"page header of {pageWhat}", out var headerLength);
            pos += headerLength;
            if (header.CompressedPageSize > bytes.Length - pos)
                throw new ParquetException($"{pageWhat}: page of {header.CompressedPageSize} bytes runs past the column chunk's end");
            if (header.UncompressedPageSize > options.MaxPageBytes)
                throw new ParquetException($"{pageWhat}: page of {header.UncompressedPageSize} bytes exceeds the reader's limit of {options.MaxPageBytes} (ParquetReadOptions.MaxPageBytes)");
            var body = bytes.AsSpan(pos, header.CompressedPageSize);
            pos += header.CompressedPageSize;
            if (header.Crc is { } crc && options.VerifyChecksums && Crc32.Compute(body) != (uint)crc)
                throw new ParquetException($"{pageWhat}: page CRC mismatch (stored {(uint)crc:x8}, computed {Crc32.Compute(body):x8})");
            switch (header.Type)
            {
                case PageType.DictionaryPage:
                    if (dictionary is not null || levels.Count > 0)
                        throw new ParquetException($"{pageWhat}: dictionary page after the first page of the chunk");
                    dictionary = ReadDictionary(header, body, meta.Codec, leaf, values, options, pageWhat);
                    break;
                case PageType.DataPage:
                    ReadDataPageV1(header, body, meta.Codec, levels, values, dictionary, options, pageWhat);
                    break;
                case PageType.DataPageV2:
                    ReadDataPageV2(header, body, meta.Codec, levels, values, dictionary, options, pageWhat);
                    break;
                case PageType.IndexPage:
                    break;
                default:
                    throw new ParquetException($"{pageWhat}: unknown page type {(int)header.Type}");
            }
            pageIndex++;
        }
        levels.CopyTo(result);
        if (result.Count != meta.NumValues)
            throw new ParquetException($"{what}: pages hold {result.Count} values but the column metadata says {meta.NumValues}");
        CheckRowCount(result, group.NumRows, what);
        return result;
    }

    private static void CheckRowCount(LeafChunk chunk, long rows, string what)
    {
        long found = chunk.Rep is null ? chunk.Count : chunk.Rep.AsSpan(0, chunk.Count).Count((byte)0);
        if (found != rows)
            throw new ParquetException($"{what}: column chunk holds {found} rows but the row group says {rows}");
    }

    private static DictionaryValues ReadDictionary(PageHeader header, ReadOnlySpan<byte> body, ParquetCompression codec,
        ParquetLeaf leaf, ValueBuffer chunkValues, ParquetReadOptions options, string what)
    {
        var h = header.DictionaryPage ?? throw new ParquetException($"{what}: dictionary page without its header");
        if (h.Encoding is not (ParquetEncoding.Plain or ParquetEncoding.PlainDictionary))
            throw new ParquetException($"{what}: dictionary page encoding {h.Encoding} is not supported");
        if (h.NumValues < 0 || h.NumValues > options.MaxPageValues)
            throw new ParquetException($"{what}: dictionary of {h.NumValues} values is out of range");
        var data = PageCompression.Decompress(codec, body, header.UncompressedPageSize, what);
        var dict = new ValueBuffer(leaf.PhysicalType, leaf.Field.TypeLength, options.MaxColumnChunkBytes, leaf.Path);
        PlainDecoder.Decode(data, h.NumValues, dict, what);
        var heapBase = dict.IsBytes ? chunkValues.AppendHeap(dict.Heap.AsSpan(0, dict.HeapLength)) : 0;
        return new DictionaryValues(dict, heapBase);
    }

    private static void ReadDataPageV1(PageHeader header, ReadOnlySpan<byte> body, ParquetCompression codec,
        LevelSink levels, ValueBuffer values, DictionaryValues? dictionary, ParquetReadOptions options, string what)
    {
        var h = header.DataPage ?? throw new ParquetException($"{what}: data page without its header");
        var n = CheckCount(h.NumValues, options, what);
        var data = PageCompression.Decompress(codec, body, header.UncompressedPageSize, what).AsSpan();
        var leaf = levels.Leaf;
        var rep = leaf.MaxRepetitionLevel > 0 ? new int[n] : null;
        var def = leaf.MaxDefinitionLevel > 0 ? new int[n] : null;
        if (rep is not null)
            data = data[DecodeLevelsV1(data, h.RepetitionLevelEncoding, leaf.MaxRepetitionLevel, rep, what + " repetition levels")..];
        if (def is not null)
            data = data[DecodeLevelsV1(data, h.DefinitionLevelEncoding, leaf.MaxDefinitionLevel, def, what + " definition levels")..];
        var present = levels.Append(rep, def, n, what);
        ValueDecoder.Decode(h.Encoding, data, present, values, dictionary, what);
    }

    private static int DecodeLevelsV1(ReadOnlySpan<byte> data, ParquetEncoding encoding, int max, int[] output, string what)
    {
        var bitWidth = RleHybridDecoder.BitWidth(max);
        return encoding switch
        {
            ParquetEncoding.Rle => RleHybridDecoder.DecodeWithLengthPrefix(data, bitWidth, output, what),
            ParquetEncoding.BitPacked => RleHybridDecoder.DecodeBitPackedMsb(data, bitWidth, output, what),
            _ => throw new ParquetException($"{what}: level encoding {encoding} is not supported"),
        };
    }

    private static void ReadDataPageV2(PageHeader header, ReadOnlySpan<byte> body, ParquetCompression codec,
        LevelSink levels, ValueBuffer values, DictionaryValues? dictionary, ParquetReadOptions options, string what)
    {
        var h = header.DataPageV2 ?? throw new ParquetException($"{what}: data page v2 without its header");
        var n = CheckCount(h.NumValues, options, what);
        var repLength = h.RepetitionLevelsByteLength;
        var defLength = h.DefinitionLevelsByteLength;
        if (repLength < 0 || defLength < 0 || (long)repLength + defLength > body.Length
            || (long)repLength + defLength > header.UncompressedPageSize)
            throw new ParquetException($"{what}: level lengths ({repLength} + {defLength}) exceed the page");
        var leaf = levels.Leaf;
        var rep = leaf.MaxRepetitionLevel > 0 ? new int[n] : null;
        var def = leaf.MaxDefinitionLevel > 0 ? new int[n] : null;
        if (rep is not null)
            RleHybridDecoder.Decode(body[..repLength], RleHybridDecoder.BitWidth(leaf.MaxRepetitionLevel), rep, what + " repetition levels");
        if (def is not null)
            RleHybridDecoder.Decode(body.Slice(repLength, defLength), RleHybridDecoder.BitWidth(leaf.MaxDefinitionLevel), def, what + " definition levels");
        var present = levels.Append(rep, def, n, what);
        var valuesBody = body[(repLength + defLength)..];
        var valuesSize = header.UncompressedPageSize - repLength - defLength;
        var data = h.IsCompressed
            ? PageCompression.Decompress(codec, valuesBody, valuesSize, what)
            : PageCompression.Decompress(ParquetCompression.Uncompressed, valuesBody, valuesSize, what);
        ValueDecoder.Decode(h.Encoding, data, present, values, dictionary, what);
    }

    private static int CheckCount(int n, ParquetReadOptions options, string what)
    {
        if (n < 0 || n > options.MaxPageValues)
            throw new ParquetException($"{what}: page claims {n} values (limit {options.MaxPageValues}, ParquetReadOptions.MaxPageValues)");
        return n;
    }

    /// <summary>Collects the levels of all pages of a chunk as bytes and counts the values they say are present.</summary>
    private sealed class LevelSink(ParquetLeaf leaf, long maxEntries, long limit)
    {
        public ParquetLeaf Leaf { get; } = leaf;
        public int Count { get; private set; }
        private byte[] _def = [];
        private byte[] _rep = [];

        public int Append(int[]? rep, int[]? def, int n, string what)
        {
            if ((long)Count + n > maxEntries)
                throw new ParquetException(maxEntries == limit
                    ? $"{what}: column chunk holds more than {limit} values (ParquetReadOptions.MaxColumnChunkValues)"
                    : $"{what}: pages hold more values than the row group's {maxEntries} rows");
            var present = n;
            if (rep is not null)
            {
                Grow(ref _rep, Count + n);
                var bad = rep.AsSpan(0, n).IndexOfAnyExceptInRange(0, Leaf.MaxRepetitionLevel);
                if (bad >= 0)
                    throw new ParquetException($"{what}: repetition level {rep[bad]} exceeds the maximum {Leaf.MaxRepetitionLevel}");
                var dst = _rep.AsSpan(Count, n);
                for (var i = 0; i < n; i++) dst[i] = (byte)rep[i];
                if (Count == 0 && n > 0 && rep[0] != 0)
                    throw new ParquetException($"{what}: column chunk does not start a new row (repetition level {rep[0]})");
            }
            if (def is not null)
            {
                Grow(ref _def, Count + n);
                var max = Leaf.MaxDefinitionLevel;
                var bad = def.AsSpan(0, n).IndexOfAnyExceptInRange(0, max);
                if (bad >= 0)
                    throw new ParquetException($"{what}: definition level {def[bad]} exceeds the maximum {max}");
                var dst = _def.AsSpan(Count, n);
                for (var i = 0; i < n; i++) dst[i] = (byte)def[i];
                present = def.AsSpan(0, n).Count(max);
            }
            Count += n;
            return present;
        }

        public void CopyTo(LeafChunk chunk)
        {
            chunk.Count = Count;
            if (Leaf.MaxDefinitionLevel > 0) chunk.Def = _def.Length == Count ? _def : _def.AsSpan(0, Count).ToArray();
            if (Leaf.MaxRepetitionLevel > 0) chunk.Rep = _rep.Length == Count ? _rep : _rep.AsSpan(0, Count).ToArray();
        }

        private static void Grow(ref byte[] array, int need)
        {
            if (need <= array.Length) return;
            Array.Resize(ref array, Math.Max(need, (int)Math.Min((long)array.Length * 2, Array.MaxLength)));
        }
    }
}
