using System.Buffers.Binary;
using System.Numerics;

namespace R2ec.Data.Parquet.Compression;

/// <summary>
/// The Snappy block format (raw, unframed), as Parquet uses it: a varint of the uncompressed length, then literals and
/// back-references with 1-, 2- or 4-byte offsets. Decoding checks every length and offset.
/// </summary>
internal static class Snappy
{
    /// <summary>Reads the uncompressed length from the preamble.</summary>
    public static long UncompressedLength(ReadOnlySpan<byte> input, out int headerBytes)
    {
        ulong result = 0;
        for (var i = 0; i < 5; i++)
        {
            if (i >= input.Length)
                throw new ParquetException("snappy: truncated length preamble");
            var b = input[i];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                headerBytes = i + 1;
                return (long)result;
            }
        }
        throw new ParquetException("snappy: length preamble longer than 5 bytes");
    }

    /// <summary>Decompresses into <paramref name="output"/>, which must be exactly the uncompressed length.</summary>
    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var expected = UncompressedLength(input, out var pos);
        if (expected != output.Length)
            throw new ParquetException($"snappy: stream holds {expected} bytes but the page header says {output.Length}");
        var op = 0;
        while (pos < input.Length)
        {
            var tag = input[pos++];
            var kind = tag & 3;
            if (kind == 0)
            {
                long length = (tag >> 2) + 1;
                if (length > 60)
                {
                    var extra = (int)length - 60;
                    if (pos + extra > input.Length)
                        throw new ParquetException("snappy: truncated literal length");
                    length = 0;
                    for (var i = 0; i < extra; i++) length |= (long)input[pos + i] << (8 * i);
                    length++;
                    pos += extra;
                }
                if (length > input.Length - pos || length > output.Length - op)
                    throw new ParquetException("snappy: literal runs past the end of the input or output");
                input.Slice(pos, (int)length).CopyTo(output[op..]);
                pos += (int)length;
                op += (int)length;
                continue;
            }
            int len, offset;
            if (kind == 1)
            {
                if (pos >= input.Length) throw new ParquetException("snappy: truncated copy");
                len = ((tag >> 2) & 7) + 4;
                offset = ((tag >> 5) << 8) | input[pos++];
            }
            else if (kind == 2)
            {
                if (pos + 2 > input.Length) throw new ParquetException("snappy: truncated copy");
                len = (tag >> 2) + 1;
                offset = BinaryPrimitives.ReadUInt16LittleEndian(input[pos..]);
                pos += 2;
            }
            else
            {
                if (pos + 4 > input.Length) throw new ParquetException("snappy: truncated copy");
                len = (tag >> 2) + 1;
                var o = BinaryPrimitives.ReadUInt32LittleEndian(input[pos..]);
                if (o > int.MaxValue) throw new ParquetException("snappy: copy offset out of range");
                offset = (int)o;
                pos += 4;
            }
            if (offset == 0 || offset > op || len > output.Length - op)
                throw new ParquetException($"snappy: invalid copy (offset {offset}, length {len}) at output byte {op}");
            if (offset >= len)
                output.Slice(op - offset, len).CopyTo(output[op..]);
            else
                for (var i = 0; i < len; i++) output[op + i] = output[op - offset + i];
            op += len;
        }
        if (op != output.Length)
            throw new ParquetException($"snappy: stream ended after {op} of {output.Length} bytes");
    }

    /// <summary>Largest compressed size of <paramref name="length"/> input bytes.</summary>
    public static int MaxCompressedLength(int length) => 32 + length + length / 6;

    /// <summary>Compresses with a hash table of 4-byte sequences over 64 KiB blocks; returns the compressed length.</summary>
    public static int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var op = 0;
        var n = (uint)input.Length;
        while (n >= 0x80)
        {
            output[op++] = (byte)(n | 0x80);
            n >>= 7;
        }
        output[op++] = (byte)n;
        Span<ushort> table = stackalloc ushort[1 << 14];
        for (var blockStart = 0; blockStart < input.Length; blockStart += 1 << 16)
        {
            var block = input.Slice(blockStart, Math.Min(1 << 16, input.Length - blockStart));
            table.Clear();
            op = CompressBlock(block, output, op, table);
        }
        return op;
    }

    private static int CompressBlock(ReadOnlySpan<byte> block, Span<byte> output, int op, Span<ushort> table)
    {
        var literalStart = 0;
        var ip = 0;
        var limit = block.Length - 4;
        // After 32 misses in a row the step grows, so incompressible stretches are skipped quickly (as Snappy does).
        var misses = 32;
        while (ip < limit)
        {
            var seq = BinaryPrimitives.ReadUInt32LittleEndian(block[ip..]);
            var h = (int)((seq * 0x1E35A7BDu) >> 18);
            var candidate = table[h];
            table[h] = (ushort)ip;
            if (candidate < ip && BinaryPrimitives.ReadUInt32LittleEndian(block[candidate..]) == seq)
            {
                op = EmitLiteral(block[literalStart..ip], output, op);
                var matchLen = 4;
                while (ip + matchLen < block.Length && block[candidate + matchLen] == block[ip + matchLen]) matchLen++;
                op = EmitCopy(ip - candidate, matchLen, output, op);
                ip += matchLen;
                literalStart = ip;
                misses = 32;
                continue;
            }
            ip += misses++ >> 5;
        }
        return EmitLiteral(block[literalStart..], output, op);
    }

    private static int EmitLiteral(ReadOnlySpan<byte> literal, Span<byte> output, int op)
    {
        if (literal.IsEmpty) return op;
        var n = literal.Length - 1;
        if (n < 60)
            output[op++] = (byte)(n << 2);
        else
        {
            var bytes = (BitOperations.Log2((uint)n) / 8) + 1;
            output[op++] = (byte)((59 + bytes) << 2);
            for (var i = 0; i < bytes; i++) output[op++] = (byte)(n >> (8 * i));
        }
        literal.CopyTo(output[op..]);
        return op + literal.Length;
    }

    private static int EmitCopy(int offset, int length, Span<byte> output, int op)
    {
        while (length > 0)
        {
            if (length >= 4 && length <= 11 && offset < 2048)
            {
                output[op++] = (byte)(1 | ((length - 4) << 2) | ((offset >> 8) << 5));
                output[op++] = (byte)offset;
                return op;
            }
            // A 2-byte-offset copy carries up to 64 bytes; keep at least 4 for the next piece.
            var take = length > 64 ? (length - 64 < 4 ? 60 : 64) : length;
            output[op++] = (byte)(2 | ((take - 1) << 2));
            BinaryPrimitives.WriteUInt16LittleEndian(output[op..], (ushort)offset);
            op += 2;
            length -= take;
        }
        return op;
    }
}
