using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>
/// Immutable blobs held in memory by kind and version, keeping the newest <c>keepVersions</c> of each kind so a long
/// run does not hold every version it ever published. Thread-safe; readers get the stored array and never mutate it.
/// </summary>
internal sealed class VersionedBlobs
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedList<ulong, (byte[] Content, BlobRef Ref)>> _kinds = new(StringComparer.Ordinal);
    private readonly int _keepVersions;

    public VersionedBlobs(int keepVersions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        _keepVersions = keepVersions;
    }

    /// <summary>Number of versions held, over all kinds.</summary>
    public int Count
    {
        get { lock (_gate) return _kinds.Values.Sum(v => v.Count); }
    }

    /// <summary>Stores a copy of <paramref name="content"/> under <paramref name="uri"/>.</summary>
    public BlobRef Put(string kind, ulong version, ReadOnlySpan<byte> content, string uri)
    {
        BlobDigest.CheckKind(kind);
        var copy = content.ToArray();
        var blob = new BlobRef { Uri = uri, Sha256 = BlobDigest.Sha256Hex(copy), SizeBytes = (ulong)copy.LongLength };
        lock (_gate)
        {
            if (!_kinds.TryGetValue(kind, out var versions))
                _kinds[kind] = versions = new SortedList<ulong, (byte[], BlobRef)>();
            if (versions.TryGetValue(version, out var stored))
            {
                if (stored.Ref.Sha256 != blob.Sha256)
                    throw new InvalidOperationException($"blob {kind} version {version} already exists with different content (sha256 {stored.Ref.Sha256}, new {blob.Sha256})");
                return stored.Ref;
            }
            versions.Add(version, (copy, blob));
            while (versions.Count > _keepVersions)
                versions.RemoveAt(0);
            return blob;
        }
    }

    /// <summary>The content and reference of a held version, or false.</summary>
    public bool TryGet(string kind, ulong version, out byte[] content, out BlobRef blob)
    {
        lock (_gate)
        {
            if (_kinds.TryGetValue(kind, out var versions) && versions.TryGetValue(version, out var stored))
            {
                (content, blob) = stored;
                return true;
            }
        }
        (content, blob) = (Array.Empty<byte>(), new BlobRef());
        return false;
    }

    /// <summary>The content of a held blob with digest <paramref name="sha256"/>, or false.</summary>
    public bool TryGetByDigest(string sha256, out byte[] content)
    {
        lock (_gate)
        {
            // A node holds a handful of versions, so a scan is cheaper than a second index to keep in step.
            foreach (var versions in _kinds.Values)
                foreach (var (stored, blob) in versions.Values)
                    if (string.Equals(blob.Sha256, sha256, StringComparison.OrdinalIgnoreCase))
                    {
                        content = stored;
                        return true;
                    }
        }
        content = Array.Empty<byte>();
        return false;
    }

    /// <summary>Drops versions of <paramref name="kind"/> older than <paramref name="keepFrom"/>.</summary>
    public void Forget(string kind, ulong keepFrom)
    {
        lock (_gate)
        {
            if (!_kinds.TryGetValue(kind, out var versions))
                return;
            while (versions.Count > 0 && versions.Keys[0] < keepFrom)
                versions.RemoveAt(0);
        }
    }
}
