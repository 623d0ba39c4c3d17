using System.Runtime.InteropServices;

namespace R2ec.Data.Parquet.Compression;

/// <summary>P/Invoke bindings to the system's <c>libzstd.so.1</c> and <c>liblz4.so.1</c>.</summary>
internal static partial class NativeCodecs
{
    private const string Zstd = "libzstd.so.1";
    private const string Lz4 = "liblz4.so.1";

    [LibraryImport(Zstd, EntryPoint = "ZSTD_decompress")]
    private static unsafe partial nuint ZstdDecompressNative(byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Zstd, EntryPoint = "ZSTD_compress")]
    private static unsafe partial nuint ZstdCompressNative(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);

    [LibraryImport(Zstd, EntryPoint = "ZSTD_compressBound")]
    private static partial nuint ZstdCompressBound(nuint srcSize);

    [LibraryImport(Zstd, EntryPoint = "ZSTD_isError")]
    private static partial uint ZstdIsError(nuint code);

    [LibraryImport(Lz4, EntryPoint = "LZ4_decompress_safe")]
    private static unsafe partial int Lz4DecompressSafe(byte* src, byte* dst, int compressedSize, int dstCapacity);

    [LibraryImport(Lz4, EntryPoint = "LZ4_compress_default")]
    private static unsafe partial int Lz4CompressDefault(byte* src, byte* dst, int srcSize, int dstCapacity);

    [LibraryImport(Lz4, EntryPoint = "LZ4_compressBound")]
    private static partial int Lz4CompressBound(int inputSize);

    /// <summary>Decompresses a zstd frame into exactly <paramref name="output"/>'s length.</summary>
    public static unsafe void ZstdDecompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Ensure(Zstd);
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
            written = ZstdDecompressNative(dst, (nuint)output.Length, src, (nuint)input.Length);
        if (ZstdIsError(written) != 0)
            throw new ParquetException("zstd: corrupt or truncated data");
        if (written != (nuint)output.Length)
            throw new ParquetException($"zstd: stream holds {written} bytes but the page header says {output.Length}");
    }

    /// <summary>Compresses at the given level.</summary>
    public static unsafe byte[] ZstdCompress(ReadOnlySpan<byte> input, int level)
    {
        Ensure(Zstd);
        var bound = ZstdCompressBound((nuint)input.Length);
        var buffer = new byte[(int)bound];
        nuint n;
        fixed (byte* src = input)
        fixed (byte* dst = buffer)
            n = ZstdCompressNative(dst, bound, src, (nuint)input.Length, level);
        if (ZstdIsError(n) != 0)
            throw new ParquetException("zstd: compression failed");
        return buffer.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>Decompresses one raw LZ4 block; returns the bytes written, or a negative number on corrupt input.</summary>
    public static unsafe int Lz4Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Ensure(Lz4);
        fixed (byte* src = input)
        fixed (byte* dst = output)
            return Lz4DecompressSafe(src, dst, input.Length, output.Length);
    }

    /// <summary>Compresses into one raw LZ4 block.</summary>
    public static unsafe byte[] Lz4Compress(ReadOnlySpan<byte> input)
    {
        Ensure(Lz4);
        var bound = Lz4CompressBound(input.Length);
        var buffer = new byte[bound];
        int n;
        fixed (byte* src = input)
        fixed (byte* dst = buffer)
            n = Lz4CompressDefault(src, dst, input.Length, bound);
        if (n <= 0)
            throw new ParquetException("lz4: compression failed");
        return buffer.AsSpan(0, n).ToArray();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Loaded = new();

    // Probing once turns a missing library into an error that names it and the package, not a DllNotFoundException.
    private static void Ensure(string library)
    {
        var ok = Loaded.GetOrAdd(library, static lib =>
        {
            if (!NativeLibrary.TryLoad(lib, typeof(NativeCodecs).Assembly, null, out var handle)) return false;
            NativeLibrary.Free(handle);
            return true;
        });
        if (!ok)
            throw new ParquetException(
                $"the native library '{library}' is not installed (Debian: apt-get install {(library == Zstd ? "libzstd1" : "liblz4-1")})");
    }
}
