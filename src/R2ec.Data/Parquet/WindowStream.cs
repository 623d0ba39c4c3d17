namespace R2ec.Data.Parquet;

/// <summary>
/// A read-only view of a seekable stream that ends at a settable limit. While a column chunk is read, the limit is the
/// chunk's declared end, so a page that runs past its chunk (a truncated or forged page) meets the end of the data
/// instead of reading the next chunk's bytes as its own.
/// </summary>
internal sealed class WindowStream(Stream inner) : Stream
{
    private long _limit = long.MaxValue;

    /// <summary>Ends the readable data at <paramref name="limit"/> (absolute position), or lifts the limit with <see cref="long.MaxValue"/>.</summary>
    public void Limit(long limit) => _limit = limit;

    private int Allowed(int count) => (int)Math.Clamp(Math.Min(count, _limit - inner.Position), 0, count);

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

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
