using Microsoft.Win32.SafeHandles;

namespace R2ec.Data.Parquet.Reading;

/// <summary>Random-access bytes of a Parquet file: an open file, or a buffer in memory.</summary>
internal abstract class ByteSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; the file ending first is an error.</summary>
    public abstract void ReadExactly(long offset, Span<byte> buffer, string name);

    public virtual void Dispose() { }

    public static ByteSource Open(string path)
    {
        try
        {
            return new FileSource(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParquetException($"cannot open '{path}': {e.Message}", e);
        }
    }

    private sealed class FileSource(SafeFileHandle handle) : ByteSource
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        public override void ReadExactly(long offset, Span<byte> buffer, string name)
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[read..], offset + read);
                if (n <= 0) throw new ParquetException($"'{name}': unexpected end of file at byte {offset + read}");
                read += n;
            }
        }

        public override void Dispose() => handle.Dispose();
    }

    public sealed class Memory(byte[] data) : ByteSource
    {
        public override long Length => data.Length;

        public override void ReadExactly(long offset, Span<byte> buffer, string name)
        {
            if (offset < 0 || offset > data.Length - buffer.Length)
                throw new ParquetException($"'{name}': unexpected end of file at byte {Math.Max(offset, data.Length)}");
            data.AsSpan((int)offset, buffer.Length).CopyTo(buffer);
        }
    }
}
