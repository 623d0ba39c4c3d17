using System.Collections.Concurrent;
using System.Security.Cryptography;
using R2ec.Training.Messages;

namespace R2ec.Training.Blobs;

/// <summary>
/// The data plane of one process: immutable versioned blobs (policy weights, item tables, optimizer state) put by kind
/// and version, named by a <see cref="BlobRef"/> (URI <c>mem://kind/version</c>, SHA-256, size) and checked against it
/// on every read. Actors exchange only references; each reader decodes its own copy, so no actor ever holds another's
/// mutable state.
/// </summary>
public sealed class WeightStore
{
    /// <summary>URI scheme of blobs held in this process.</summary>
    public const string Scheme = "mem://";

    private readonly ConcurrentDictionary<string, (string Kind, ulong Version, byte[] Content, BlobRef Ref)> _blobs = new(StringComparer.Ordinal);

    /// <summary>The URI of <paramref name="kind"/> version <paramref name="version"/>.</summary>
    public static string UriOf(string kind, ulong version) => $"{Scheme}{kind}/{version}";

    /// <summary>Stores a copy of <paramref name="content"/> as <paramref name="kind"/> version <paramref name="version"/>.</summary>
    /// <exception cref="InvalidOperationException">That version exists with different content (versions are immutable).</exception>
    public BlobRef Put(string kind, ulong version, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var copy = content.ToArray();
        var uri = UriOf(kind, version);
        var blob = new BlobRef { Uri = uri, Sha256 = Convert.ToHexStringLower(SHA256.HashData(copy)), SizeBytes = (ulong)copy.LongLength };
        var stored = _blobs.GetOrAdd(uri, (kind, version, copy, blob));
        if (stored.Ref.Sha256 != blob.Sha256)
            throw new InvalidOperationException($"blob {kind} version {version} already exists with different content (sha256 {stored.Ref.Sha256}, new {blob.Sha256})");
        return stored.Ref;
    }

    /// <summary>The reference of a stored blob, or null.</summary>
    public BlobRef? Find(string kind, ulong version) => _blobs.TryGetValue(UriOf(kind, version), out var b) ? b.Ref : null;

    /// <summary>Fetches a blob by reference and verifies its size and digest against it.</summary>
    /// <exception cref="InvalidDataException">The blob is unknown or does not match the reference.</exception>
    public ReadOnlyMemory<byte> Fetch(BlobRef blob)
    {
        if (!_blobs.TryGetValue(blob.Uri, out var stored))
            throw new InvalidDataException($"blob {blob.Uri} is not in the store");
        var digest = Convert.ToHexStringLower(SHA256.HashData(stored.Content));
        if ((ulong)stored.Content.LongLength != blob.SizeBytes || digest != blob.Sha256)
            throw new InvalidDataException($"blob {blob.Uri} does not match its reference (sha256 {digest}, expected {blob.Sha256})");
        return stored.Content;
    }

    /// <summary>Drops versions of <paramref name="kind"/> older than <paramref name="keepFrom"/>, so a long run does not hold every version.</summary>
    public void Forget(string kind, ulong keepFrom)
    {
        foreach (var (uri, blob) in _blobs)
            if (blob.Kind == kind && blob.Version < keepFrom)
                _blobs.TryRemove(uri, out _);
    }
}
