using System.Buffers.Binary;
using System.IO.Compression;

namespace R2ec.Data.Parquet.Compression;

/// <summary>Compresses and decompresses page bodies with the codec a column chunk names.</summary>
internal static class PageCompression
{
    /// <summary>
    /// Decompresses into a new array of exactly <paramref name="uncompressedSize"/> bytes, which the caller has checked
    /// against its limits. An empty input with an empty output never reaches a decoder (some writers emit it).
    /// </summary>
    public static byte[] Decompress(ParquetCompression codec, ReadOnlySpan<byte> input, int uncompressedSize, string what)
    {
        if (codec == ParquetCompression.Uncompressed)
        {
            if (input.Length != uncompressedSize)
                throw new ParquetException($"{what}: uncompressed page is {input.Length} bytes but its header says {uncompressedSize}");
            return input.ToArray();
        }
        var output = new byte[uncompressedSize];
        if (input.IsEmpty && uncompressedSize == 0)
            return output;
        try
        {
            switch (codec)
            {
                case ParquetCompression.Snappy:
                    Snappy.Decompress(input, output);
                    break;
                case ParquetCompression.Gzip:
                    Inflate(new GZipStream(new MemoryStream(input.ToArray()), CompressionMode.Decompress), output, what);
                    break;
                case ParquetCompression.Brotli:
                    if (!BrotliDecoder.TryDecompress(input, output, out var written) || written != uncompressedSize)
                        throw new ParquetException($"{what}: corrupt BROTLI data or wrong uncompressed size");
                    break;
                case ParquetCompression.Zstd:
                    NativeCodecs.ZstdDecompress(input, output);
                    break;
                case ParquetCompression.Lz4Raw:
                    if (NativeCodecs.Lz4Decompress(input, output) != uncompressedSize)
                        throw new ParquetException($"{what}: corrupt LZ4_RAW data or wrong uncompressed size");
                    break;
                case ParquetCompression.Lz4:
                    if (!TryHadoopLz4(input, output) && NativeCodecs.Lz4Decompress(input, output) != uncompressedSize)
                        throw new ParquetException($"{what}: corrupt LZ4 data (neither Hadoop-framed nor a raw block)");
                    break;
                default:
                    throw new ParquetException($"{what}: compression codec {codec} is not supported");
            }
        }
        catch (ParquetException e) when (!e.Message.StartsWith(what, StringComparison.Ordinal))
        {
            throw new ParquetException($"{what}: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new ParquetException($"{what}: corrupt {codec} data: {e.Message}", e);
        }
        return output;
    }

    private static void Inflate(Stream stream, byte[] output, string what)
    {
        using (stream)
        {
            var total = 0;
            // Concatenated gzip members are read through: GZipStream continues into the next member.
            while (total < output.Length)
            {
                var n = stream.Read(output, total, output.Length - total);
                if (n == 0) break;
                total += n;
            }
            if (total != output.Length || stream.ReadByte() != -1)
                throw new ParquetException($"{what}: GZIP data does not inflate to the {output.Length} bytes the page header says");
        }
    }

    // Hadoop framing: blocks of [4-byte BE uncompressed length][4-byte BE compressed length][raw LZ4 block].
    private static bool TryHadoopLz4(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var ip = 0;
        var op = 0;
        while (ip < input.Length)
        {
            if (input.Length - ip < 8) return false;
            var raw = BinaryPrimitives.ReadUInt32BigEndian(input[ip..]);
            var compressed = BinaryPrimitives.ReadUInt32BigEndian(input[(ip + 4)..]);
            ip += 8;
            if (raw > (uint)(output.Length - op) || compressed > (uint)(input.Length - ip)) return false;
            var n = NativeCodecs.Lz4Decompress(input.Slice(ip, (int)compressed), output.Slice(op, (int)raw));
            if (n != raw) return false;
            ip += (int)compressed;
            op += (int)raw;
        }
        return op == output.Length;
    }

    /// <summary>Compresses a page body.</summary>
    public static byte[] Compress(ParquetCompression codec, ReadOnlySpan<byte> input, int level)
    {
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                return input.ToArray();
            case ParquetCompression.Snappy:
            {
                var buffer = new byte[Snappy.MaxCompressedLength(input.Length)];
                var n = Snappy.Compress(input, buffer);
                return buffer.AsSpan(0, n).ToArray();
            }
            case ParquetCompression.Gzip:
            {
                var ms = new MemoryStream();
                using (var gz = new GZipStream(ms, level <= 1 ? CompressionLevel.Fastest : CompressionLevel.Optimal, leaveOpen: true))
                    gz.Write(input);
                return ms.ToArray();
            }
            case ParquetCompression.Zstd:
                return NativeCodecs.ZstdCompress(input, level <= 0 ? 3 : level);
            case ParquetCompression.Lz4Raw:
                return NativeCodecs.Lz4Compress(input);
            case ParquetCompression.Brotli:
            {
                var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(input.Length)];
                if (!BrotliEncoder.TryCompress(input, buffer, out var n, quality: level <= 0 ? 4 : level, window: 22))
                    throw new ParquetException("brotli: compression failed");
                return buffer.AsSpan(0, n).ToArray();
            }
            default:
                throw new ParquetException($"writing with compression codec {codec} is not supported");
        }
    }
}
