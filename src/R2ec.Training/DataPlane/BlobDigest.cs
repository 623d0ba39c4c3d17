using System.Security.Cryptography;
using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>Names content by size and SHA-256 and checks fetched bytes against a reference.</summary>
internal static class BlobDigest
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="content"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Throws <see cref="BlobIntegrityException"/> unless <paramref name="content"/> is what <paramref name="blob"/> names.</summary>
    public static void Verify(BlobRef blob, ReadOnlySpan<byte> content) => Verify(blob, content.Length, Sha256Hex(content));

    /// <summary>Throws <see cref="BlobIntegrityException"/> unless a blob of <paramref name="length"/> bytes and digest <paramref name="digest"/> is what <paramref name="blob"/> names.</summary>
    public static void Verify(BlobRef blob, long length, string digest)
    {
        if ((ulong)length != blob.SizeBytes)
            throw new BlobIntegrityException(blob.Uri, $"size {length} bytes, the reference says {blob.SizeBytes}");
        if (!string.Equals(digest, blob.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new BlobIntegrityException(blob.Uri, $"sha256 {digest}, the reference says {blob.Sha256}");
    }

    /// <summary>
    /// Checks that a blob kind is a plain name: it becomes a URL path segment and a directory name, so nothing that
    /// could escape either is accepted.
    /// </summary>
    public static void CheckKind(string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        foreach (var c in kind)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || kind is "." or "..")
                throw new ArgumentException($"blob kind '{kind}' may hold only ASCII letters, digits, '-', '_' and '.'", nameof(kind));
    }
}
