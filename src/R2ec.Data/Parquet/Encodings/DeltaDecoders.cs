namespace R2ec.Data.Parquet.Encodings;

/// <summary>DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY decoding.</summary>
internal static class DeltaDecoders
{
    /// <summary>
    /// Decodes a DELTA_BINARY_PACKED stream that must hold exactly <c>output.Length</c> values; returns the bytes
    /// consumed. Arithmetic wraps, as the format specifies; INT32 columns take the low 32 bits.
    /// </summary>
    public static int DecodeBinaryPacked(ReadOnlySpan<byte> data, Span<long> output, string what)
    {
        var pos = 0;
        var blockSize = RleHybridDecoder.ReadUleb(data, ref pos, what);
        var miniBlocks = RleHybridDecoder.ReadUleb(data, ref pos, what);
        var total = RleHybridDecoder.ReadUleb(data, ref pos, what);
        var first = ZigZag(RleHybridDecoder.ReadUleb(data, ref pos, what));
        if (blockSize == 0 || blockSize % 128 != 0 || blockSize > 1 << 20 || miniBlocks == 0 || blockSize % miniBlocks != 0
            || blockSize / miniBlocks % 32 != 0)
            throw new ParquetException($"{what}: invalid DELTA_BINARY_PACKED header (block size {blockSize}, {miniBlocks} miniblocks)");
        if (total != (ulong)output.Length)
            throw new ParquetException($"{what}: DELTA_BINARY_PACKED stream holds {total} values, expected {output.Length}");
        if (output.Length == 0)
            return pos;
        var perMini = (int)(blockSize / miniBlocks);
        var minis = (int)miniBlocks;
        output[0] = first;
        var written = 1;
        var last = first;
        while (written < output.Length)
        {
            var minDelta = ZigZag(RleHybridDecoder.ReadUleb(data, ref pos, what));
            if (data.Length - pos < minis)
                throw new ParquetException($"{what}: DELTA_BINARY_PACKED bit widths run past the end of the data");
            var widths = data.Slice(pos, minis);
            pos += minis;
            for (var m = 0; m < minis && written < output.Length; m++)
            {
                int width = widths[m];
                if (width > 64)
                    throw new ParquetException($"{what}: DELTA_BINARY_PACKED miniblock bit width {width} exceeds 64");
                var bytes = perMini * width / 8;
                if (data.Length - pos < bytes)
                    throw new ParquetException($"{what}: DELTA_BINARY_PACKED miniblock runs past the end of the data");
                var mini = data.Slice(pos, bytes);
                pos += bytes;
                var n = Math.Min(perMini, output.Length - written);
                long bitPos = 0;
                for (var i = 0; i < n; i++)
                {
                    var delta = ReadBits(mini, ref bitPos, width);
                    last = unchecked(last + minDelta + (long)delta);
                    output[written++] = last;
                }
            }
        }
        return pos;
    }

    private static ulong ReadBits(ReadOnlySpan<byte> data, ref long bitPos, int width)
    {
        ulong v = 0;
        var got = 0;
        while (got < width)
        {
            var idx = (int)(bitPos >> 3);
            var off = (int)(bitPos & 7);
            var take = Math.Min(8 - off, width - got);
            v |= (ulong)((data[idx] >> off) & ((1 << take) - 1)) << got;
            got += take;
            bitPos += take;
        }
        return v;
    }

    private static long ZigZag(ulong u) => (long)(u >> 1) ^ -(long)(u & 1);

    /// <summary>Decodes <paramref name="count"/> DELTA_LENGTH_BYTE_ARRAY values into the buffer; returns the bytes consumed.</summary>
    public static int DecodeLengthByteArray(ReadOnlySpan<byte> data, int count, ValueBuffer into, string what)
    {
        // A DELTA header takes at least 4 bytes and lengths at least 0 bits each; the count is bounded by the page.
        var lengths = new long[count];
        var pos = DecodeBinaryPacked(data, lengths, what);
        var first = into.Reserve(count);
        long sum = 0;
        foreach (var l in lengths)
        {
            if (l < 0)
                throw new ParquetException($"{what}: negative DELTA_LENGTH_BYTE_ARRAY length {l}");
            sum += l;
            if (sum > data.Length - pos)
                throw new ParquetException($"{what}: DELTA_LENGTH_BYTE_ARRAY values run past the end of the data");
        }
        var heapStart = into.AppendHeap(data.Slice(pos, (int)sum));
        var offset = heapStart;
        for (var i = 0; i < count; i++)
        {
            into.Starts[first + i] = offset;
            into.Lengths[first + i] = (int)lengths[i];
            offset += (int)lengths[i];
        }
        return pos + (int)sum;
    }

    /// <summary>Decodes <paramref name="count"/> DELTA_BYTE_ARRAY (prefix + suffix) values into the buffer.</summary>
    public static void DecodeByteArray(ReadOnlySpan<byte> data, int count, ValueBuffer into, string what)
    {
        var prefixes = new long[count];
        var pos = DecodeBinaryPacked(data, prefixes, what);
        var suffixes = new ValueBuffer(PhysicalType.ByteArray, 0, long.MaxValue, what);
        DecodeLengthByteArray(data[pos..], count, suffixes, what);
        var first = into.Reserve(count);
        var prevStart = 0;
        var prevLength = 0;
        for (var i = 0; i < count; i++)
        {
            var prefix = prefixes[i];
            if (prefix < 0 || prefix > prevLength)
                throw new ParquetException($"{what}: DELTA_BYTE_ARRAY prefix length {prefix} exceeds the previous value's {prevLength} bytes");
            var suffix = suffixes.GetBytes(i);
            var length = (int)prefix + suffix.Length;
            var start = into.ReserveHeap(length);
            into.Heap.AsSpan(prevStart, (int)prefix).CopyTo(into.Heap.AsSpan(start));
            suffix.CopyTo(into.Heap.AsSpan(start + (int)prefix));
            into.Starts[first + i] = start;
            into.Lengths[first + i] = length;
            prevStart = start;
            prevLength = length;
        }
    }
}
