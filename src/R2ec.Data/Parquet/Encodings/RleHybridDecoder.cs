using System.Buffers.Binary;

namespace R2ec.Data.Parquet.Encodings;

/// <summary>
/// Decodes the RLE / bit-packed hybrid encoding (definition and repetition levels, dictionary indices, RLE booleans).
/// Runs that claim more values than requested are cut; running out of bytes is an error.
/// </summary>
internal static class RleHybridDecoder
{
    /// <summary>Decodes exactly <c>output.Length</c> values; returns the bytes consumed.</summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string what)
    {
        if (bitWidth is < 0 or > 32)
            throw new ParquetException($"{what}: invalid bit width {bitWidth}");
        var pos = 0;
        var written = 0;
        var byteWidth = (bitWidth + 7) / 8;
        while (written < output.Length)
        {
            var header = ReadUleb(data, ref pos, what);
            if ((header & 1) == 0)
            {
                var run = header >> 1;
                if (pos + byteWidth > data.Length)
                    throw new ParquetException($"{what}: RLE run value runs past the end of the data");
                uint value = 0;
                for (var i = 0; i < byteWidth; i++)
                    value |= (uint)data[pos + i] << (8 * i);
                pos += byteWidth;
                if (bitWidth < 32 && value >> bitWidth != 0)
                    throw new ParquetException($"{what}: RLE run value {value} does not fit {bitWidth} bits");
                var n = (int)Math.Min(run, (ulong)(output.Length - written));
                output.Slice(written, n).Fill((int)value);
                written += n;
            }
            else
            {
                var groups = header >> 1;
                var remaining = (ulong)(data.Length - pos);
                var runValues = groups > int.MaxValue ? int.MaxValue : groups * 8;
                var runBytes = groups > int.MaxValue ? ulong.MaxValue : groups * (ulong)bitWidth;
                // The last bit-packed run may be cut short by writers that do not pad it; take what is there.
                var bytes = Math.Min(runBytes, remaining);
                var available = bitWidth == 0 ? runValues : bytes * 8 / (ulong)bitWidth;
                var n = (int)Math.Min(Math.Min(available, runValues), (ulong)(output.Length - written));
                if (n == 0 && groups > 0)
                    throw new ParquetException($"{what}: bit-packed run runs past the end of the data");
                BitUnpack(data.Slice(pos, (int)bytes), bitWidth, output.Slice(written, n));
                written += n;
                pos += (int)bytes;
            }
        }
        return pos;
    }

    /// <summary>Unpacks little-endian bit-packed values (LSB first).</summary>
    public static void BitUnpack(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }
        var mask = bitWidth == 32 ? ulong.MaxValue >> 32 : (1UL << bitWidth) - 1;
        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        for (var i = 0; i < output.Length; i++)
        {
            while (bits < bitWidth)
            {
                acc |= (ulong)data[pos++] << bits;
                bits += 8;
            }
            output[i] = (int)(uint)(acc & mask);
            acc >>= bitWidth;
            bits -= bitWidth;
        }
    }

    /// <summary>Decodes levels stored with a 4-byte little-endian length prefix (data page v1, RLE booleans).</summary>
    public static int DecodeWithLengthPrefix(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string what)
    {
        if (data.Length < 4)
            throw new ParquetException($"{what}: missing the 4-byte length of RLE data");
        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
            throw new ParquetException($"{what}: RLE data length {length} exceeds the {data.Length - 4} bytes of the page");
        Decode(data.Slice(4, length), bitWidth, output, what);
        return 4 + length;
    }

    /// <summary>Decodes the deprecated BIT_PACKED level encoding (MSB first, no header); returns the bytes consumed.</summary>
    public static int DecodeBitPackedMsb(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string what)
    {
        var bytes = ((long)output.Length * bitWidth + 7) / 8;
        if (bytes > data.Length)
            throw new ParquetException($"{what}: BIT_PACKED levels need {bytes} bytes but the page has {data.Length}");
        long bit = 0;
        for (var i = 0; i < output.Length; i++)
        {
            var v = 0;
            for (var b = 0; b < bitWidth; b++, bit++)
                v = (v << 1) | ((data[(int)(bit >> 3)] >> (7 - (int)(bit & 7))) & 1);
            output[i] = v;
        }
        return (int)bytes;
    }

    public static ulong ReadUleb(ReadOnlySpan<byte> data, ref int pos, string what)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
                throw new ParquetException($"{what}: unexpected end of data in a varint");
            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new ParquetException($"{what}: varint longer than 10 bytes");
    }

    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)maxValue);
}
