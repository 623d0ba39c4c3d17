using R2ec.Training.DataPlane;
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

    // Versions live until Forget: the learner, not a count, decides which versions readers may still ask for.
    private readonly VersionedBlobs _blobs = new(keepVersions: int.MaxValue);

    /// <summary>The URI of <paramref name="kind"/> version <paramref name="version"/>.</summary>
    public static string UriOf(string kind, ulong version) => $"{Scheme}{kind}/{version}";

    /// <summary>Stores a copy of <paramref name="content"/> as <paramref name="kind"/> version <paramref name="version"/>.</summary>
    /// <exception cref="InvalidOperationException">That version exists with different content (versions are immutable).</exception>
    public BlobRef Put(string kind, ulong version, ReadOnlySpan<byte> content) => _blobs.Put(kind, version, content, UriOf(kind, version));

    /// <summary>The reference of a stored blob, or null.</summary>
    public BlobRef? Find(string kind, ulong version) => _blobs.TryGet(kind, version, out _, out var blob) ? blob : null;

    /// <summary>Fetches a blob by reference and verifies its size and digest against it.</summary>
    /// <exception cref="InvalidDataException">The blob is unknown or does not match the reference.</exception>
    public ReadOnlyMemory<byte> Fetch(BlobRef blob)
    {
        if (!TryParse(blob.Uri, out var kind, out var version) || !_blobs.TryGet(kind, version, out var content, out _))
            throw new InvalidDataException($"blob {blob.Uri} is not in the store");
        var digest = BlobDigest.Sha256Hex(content);
        if ((ulong)content.LongLength != blob.SizeBytes || digest != blob.Sha256)
            throw new InvalidDataException($"blob {blob.Uri} does not match its reference (sha256 {digest}, expected {blob.Sha256})");
        return content;
    }

    /// <summary>Drops versions of <paramref name="kind"/> older than <paramref name="keepFrom"/>, so a long run does not hold every version.</summary>
    public void Forget(string kind, ulong keepFrom) => _blobs.Forget(kind, keepFrom);

    private static bool TryParse(string uri, out string kind, out ulong version)
    {
        kind = "";
        version = 0;
        if (!uri.StartsWith(Scheme, StringComparison.Ordinal))
            return false;
        var slash = uri.LastIndexOf('/');
        if (slash <= Scheme.Length)
            return false;
        kind = uri[Scheme.Length..slash];
        return ulong.TryParse(uri.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version);
    }
}
