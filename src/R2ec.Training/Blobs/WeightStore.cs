using System.Collections.Concurrent;
using System.Security.Cryptography;
using R2ec.Training.Messages;

namespace R2ec.Training.Blobs;

/// <summary>
/// The data plane of one process: immutable versioned blobs (policy weights, item tables, optimizer state) addressed
/// by kind and version and checked by SHA-256 on every read. Actors exchange only <see cref="BlobReference"/>s; each reader
/// decodes its own copy, so no actor ever holds another's mutable state.
/// </summary>
public sealed class WeightStore
{
    /// <summary>URI scheme of blobs held in this process.</summary>
    public const string Scheme = "mem://";

    private readonly ConcurrentDictionary<(string Kind, ulong Version), (byte[] Content, BlobReference Ref)> _blobs = new();

    /// <summary>Stores a copy of <paramref name="content"/> as <paramref name="kind"/> version <paramref name="version"/>.</summary>
    /// <exception cref="InvalidOperationException">That version exists with different content (versions are immutable).</exception>
    public BlobReference Put(string kind, ulong version, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var copy = content.ToArray();
        var blob = new BlobReference
        {
            Kind = kind, Version = version, Uri = $"{Scheme}{kind}/{version}",
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(copy)), SizeBytes = (ulong)copy.LongLength,
        };
        var stored = _blobs.GetOrAdd((kind, version), (copy, blob));
        if (stored.Ref.Sha256 != blob.Sha256)
            throw new InvalidOperationException($"blob {kind} version {version} already exists with different content (sha256 {stored.Ref.Sha256}, new {blob.Sha256})");
        return stored.Ref;
    }

    /// <summary>The reference of a stored blob, or null.</summary>
    public BlobReference? Find(string kind, ulong version) => _blobs.TryGetValue((kind, version), out var b) ? b.Ref : null;

    /// <summary>Fetches a blob by reference and verifies its size and digest against it.</summary>
    /// <exception cref="InvalidDataException">The blob is unknown or does not match the reference.</exception>
    public ReadOnlyMemory<byte> Fetch(BlobReference blob)
    {
        if (!_blobs.TryGetValue((blob.Kind, blob.Version), out var stored))
            throw new InvalidDataException($"blob {blob.Uri} is not in the store");
        var digest = Convert.ToHexStringLower(SHA256.HashData(stored.Content));
        if ((ulong)stored.Content.LongLength != blob.SizeBytes || digest != blob.Sha256)
            throw new InvalidDataException($"blob {blob.Uri} does not match its reference (sha256 {digest}, expected {blob.Sha256})");
        return stored.Content;
    }

    /// <summary>Drops versions of <paramref name="kind"/> older than <paramref name="keepFrom"/>, so a long run does not hold every version.</summary>
    public void Forget(string kind, ulong keepFrom)
    {
        foreach (var key in _blobs.Keys)
            if (key.Kind == kind && key.Version < keepFrom)
                _blobs.TryRemove(key, out _);
    }
}
