namespace R2ec.Data.Parquet;

/// <summary>
/// A read-only view of a seekable stream that ends at a settable limit. While a column chunk is read, the limit is the
/// chunk's declared end: a page that runs past its chunk (a truncated or forged page) fails instead of reading the next
/// chunk's bytes as its own, and a read at the limit throws instead of returning end-of-stream, because Parquet.Net 6.1
/// reads a page header byte by byte and loops forever on end-of-stream. Parquet.Net seeks to each page header
/// (<see cref="SeekOrigin.Begin"/>) before it parses it; while a chunk is armed, each such seek first runs
/// <see cref="OnPageSeek"/>, which checks the header before Parquet.Net sizes any buffer from it.
/// </summary>
internal sealed class WindowStream(Stream inner) : Stream
{
    private long _limit = long.MaxValue;

    /// <summary>Called with (the underlying stream, page offset, chunk end) on each seek while a chunk is armed.</summary>
    private Action<Stream, long, long>? OnPageSeek { get; set; }

    /// <summary>Ends the readable data at <paramref name="limit"/> (absolute position) and checks each page header there with <paramref name="onPageSeek"/>.</summary>
    public void Arm(long limit, Action<Stream, long, long> onPageSeek)
    {
        _limit = limit;
        OnPageSeek = onPageSeek;
    }

    /// <summary>Lifts the limit and the page check.</summary>
    public void Disarm()
    {
        _limit = long.MaxValue;
        OnPageSeek = null;
    }

    private int Allowed(int count)
    {
        if (count == 0) return 0;
        var left = _limit - inner.Position;
        if (left <= 0)
            throw new IOException($"a read at byte {inner.Position} runs past the column chunk's end at byte {_limit}");
        return (int)Math.Min(count, left);
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Allowed(count));

    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Allowed(buffer.Length)]);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, Allowed(count), cancellationToken);

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (origin == SeekOrigin.Begin && OnPageSeek is { } check)
        {
            check(inner, offset, _limit);
        }
        return inner.Seek(offset, origin);
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
