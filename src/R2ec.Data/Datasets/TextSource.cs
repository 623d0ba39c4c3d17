using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace R2ec.Data.Datasets;

/// <summary>
/// Reads a text file line by line, gunzipping <c>.gz</c> files, counting lines and hashing the stored bytes as they
/// go by, so each input is read exactly once whatever its size.
/// </summary>
internal sealed class TextSource : IDisposable
{
    private const int ProgressEveryLines = 16384;
    private readonly FileStream _file;
    private readonly HashingStream _hashing;
    private readonly StreamReader _reader;
    private readonly IProgress<ReadProgress>? _progress;
    private readonly CountingStream? _gunzipped;
    private bool _gzipChecked;

    private TextSource(string path, IProgress<ReadProgress>? progress, Encoding? encoding)
    {
        Path = path;
        _progress = progress;
        try
        {
            _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException(path, 0, null, "file not found");
        }
        _hashing = new HashingStream(_file);
        Stream text = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? _gunzipped = new CountingStream(new GZipStream(_hashing, CompressionMode.Decompress))
            : _hashing;
        _reader = new StreamReader(text, encoding ?? new UTF8Encoding(false, throwOnInvalidBytes: false), encoding is null, 1 << 16);
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>The 1-based number of the line last returned by <see cref="ReadLine"/>.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Opens a file; UTF-8 (with or without a byte-order mark) unless another encoding is named.</summary>
    public static TextSource Open(string path, IProgress<ReadProgress>? progress, Encoding? encoding = null) =>
        new(path, progress, encoding);

    /// <summary>The next line without its terminator (CR LF or LF), or <c>null</c> at the end.</summary>
    public string? ReadLine()
    {
        string? line;
        try
        {
            line = _reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Path, LineNumber + 1, null, "not a valid gzip stream: " + e.Message);
        }
        if (line is null)
        {
            CheckGzipComplete();
            return null;
        }
        LineNumber++;
        if (_progress is not null && LineNumber % ProgressEveryLines == 0)
            _progress.Report(new ReadProgress(Path, _file.Position, _file.Length));
        return line;
    }

    /// <summary>Reads whatever is left and returns the file's size and checksum for the manifest.</summary>
    public SourceFile Finish()
    {
        while (ReadLine() is not null)
        {
        }
        // A gzip reader may stop before trailing bytes; the checksum covers the file as stored.
        _hashing.DrainTo(_file.Length);
        _progress?.Report(new ReadProgress(Path, _file.Length, _file.Length));
        return new SourceFile(Path, _file.Length, _hashing.HexDigest());
    }

    /// <summary>
    /// Fails when a gzip file ended before its trailer: the decompressor reports a cut-off stream as a plain end, so
    /// the size the trailer records (ISIZE, the length modulo 2^32) is compared with what was decompressed.
    /// </summary>
    private void CheckGzipComplete()
    {
        if (_gunzipped is null || _gzipChecked)
            return;
        _gzipChecked = true;
        Span<byte> trailer = stackalloc byte[4];
        using (var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (file.Length < 18) // a gzip header and trailer alone take 18 bytes
                throw new DataFormatException(Path, LineNumber + 1, null, "gzip file is truncated (shorter than a gzip header and trailer)");
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(trailer);
        }
        var recorded = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (recorded != (uint)_gunzipped.Count)
            throw new DataFormatException(Path, LineNumber + 1, null,
                $"gzip stream ends early: {_gunzipped.Count} bytes decompressed, the trailer records {recorded} (mod 2^32); the file is truncated or holds several gzip members");
    }

    public void Dispose()
    {
        _reader.Dispose();
        _hashing.Dispose();
        _file.Dispose();
    }

    /// <summary>
    /// A read-only, forward-only view of <paramref name="inner"/> that shows every chunk read to
    /// <see cref="OnRead"/>.
    /// </summary>
    private abstract class ObservedStream(Stream inner) : Stream
    {
        protected Stream Inner => inner;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            OnRead(buffer[..n]);
            return n;
        }

        protected abstract void OnRead(ReadOnlySpan<byte> chunk);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Counts the bytes read through it (the decompressed length of a gzip file).</summary>
    private sealed class CountingStream(Stream inner) : ObservedStream(inner)
    {
        public long Count { get; private set; }

        protected override void OnRead(ReadOnlySpan<byte> chunk) => Count += chunk.Length;

        // It owns the decompressor it wraps: the reader that disposes it frees zlib's state.
        protected override void Dispose(bool disposing)
        {
            if (disposing)
                Inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Hashes the stored bytes read through it.</summary>
    private sealed class HashingStream(Stream inner) : ObservedStream(inner)
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        protected override void OnRead(ReadOnlySpan<byte> chunk) => _hash.AppendData(chunk);

        public void DrainTo(long length)
        {
            Span<byte> buffer = stackalloc byte[8192];
            while (Inner.Position < length && Read(buffer) > 0)
            {
            }
        }

        public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
