using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace R2ec.Model.Recommendation;

/// <summary>
/// L2-normalised embeddings of every item [Count, Dimension] made by one policy version: the right-hand side of the
/// recommendation head, shipped between actors as a versioned blob (<see cref="ToBytes"/>).
/// </summary>
public sealed class ItemTable
{
    private static ReadOnlySpan<byte> Magic => "R2ECITEM"u8;
    private const int FormatVersion = 1;
    private const int HeaderBytes = 8 + 4 + 8 + 4 + 4;
    private readonly float[] _vectors;

    /// <summary>Wraps <paramref name="vectors"/> ([count, dimension], already L2-normalised; not copied).</summary>
    public ItemTable(long version, int count, int dimension, float[] vectors)
    {
        if (count < 0 || dimension <= 0 || (long)count * dimension != vectors.Length)
            throw new ArgumentException($"{vectors.Length} floats are not {count} items × {dimension} dimensions", nameof(vectors));
        Version = version;
        Count = count;
        Dimension = dimension;
        _vectors = vectors;
    }

    /// <summary>The policy version whose weights encoded the items.</summary>
    public long Version { get; }

    /// <summary>Items (rows).</summary>
    public int Count { get; }

    /// <summary>Embedding size (the model's hidden size).</summary>
    public int Dimension { get; }

    /// <summary>All rows, item after item.</summary>
    public ReadOnlySpan<float> Vectors => _vectors;

    /// <summary>The normalised embedding of item <paramref name="item"/>.</summary>
    public ReadOnlySpan<float> Row(int item) => _vectors.AsSpan(item * Dimension, Dimension);

    /// <summary>
    /// The blob: magic <c>R2ECITEM</c>, format 1 (int32), version (int64), count and dimension (int32), then the floats,
    /// all little-endian.
    /// </summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[HeaderBytes + _vectors.Length * sizeof(float)];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), Count);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), Dimension);
        MemoryMarshal.AsBytes(_vectors.AsSpan()).CopyTo(bytes.AsSpan(HeaderBytes));
        return bytes;
    }

    /// <summary>Reads a blob from <see cref="ToBytes"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="FormatException">Not an item table blob, or truncated; the message names the source and field.</exception>
    public static ItemTable FromBytes(ReadOnlySpan<byte> bytes, string source = "item table")
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("item table blobs are little-endian; this machine is not");
        if (bytes.Length < HeaderBytes || !bytes[..8].SequenceEqual(Magic))
            throw new FormatException($"{source}: not an item table (magic R2ECITEM missing)");
        var format = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (format != FormatVersion)
            throw new FormatException($"{source}: format {format} is not supported (expected {FormatVersion})");
        var version = BinaryPrimitives.ReadInt64LittleEndian(bytes[12..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]);
        var dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]);
        if (count < 0 || dimension <= 0)
            throw new FormatException($"{source}: count {count} or dimension {dimension} is invalid");
        var expected = HeaderBytes + (long)count * dimension * sizeof(float);
        if (bytes.Length != expected)
            throw new FormatException($"{source}: {bytes.Length} bytes, {count} items × {dimension} dimensions need {expected}");
        var vectors = MemoryMarshal.Cast<byte, float>(bytes[HeaderBytes..]).ToArray();
        return new ItemTable(version, count, dimension, vectors);
    }
}
