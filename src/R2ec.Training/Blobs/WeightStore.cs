using R2ec.Training.DataPlane;
using R2ec.Training.Messages;

namespace R2ec.Training.Blobs;

/// <summary>
/// The data plane as one node's actors see it: immutable versioned blobs (policy weights, item tables, optimizer
/// state, tokenizer) put by kind and version and named by a <see cref="BlobRef"/> (URI, SHA-256, size). Every read
/// is checked against the reference. In one process the URIs are <c>mem://kind/version</c>. On a cluster's learner
/// node the kinds other nodes read are also published (HTTP server or shared directory) and their references carry
/// that URI; on other nodes a reference not held here is fetched from its URI, verified, and kept in a small cache.
/// Actors exchange only references; each reader decodes its own copy, so no actor holds another's mutable state.
/// </summary>
public sealed class WeightStore
{
    /// <summary>URI scheme of blobs held in this process.</summary>
    public const string Scheme = "mem://";

    // Fetched blobs kept per node: the current and the next version of the weights and item table, and the tokenizer.
    private const int FetchedKept = 6;

    // Versions live until Forget: the learner, not a count, decides which versions readers may still ask for.
    private readonly VersionedBlobs _blobs = new(keepVersions: int.MaxValue);
    private readonly IBlobPublisher? _publisher;
    private readonly IReadOnlySet<string> _publishedKinds;
    private readonly IBlobFetcher? _fetcher;
    private readonly object _gate = new();
    private readonly LinkedList<(string Sha256, Task<byte[]> Content)> _fetched = new();

    /// <summary>A store of one process (nothing published, nothing fetched).</summary>
    public WeightStore()
        : this(null, new HashSet<string>(), null)
    {
    }

    /// <summary>A cluster node's store.</summary>
    /// <param name="publisher">Where blobs of <paramref name="publishedKinds"/> are also published for other nodes (the learner node), or null.</param>
    /// <param name="publishedKinds">Kinds other nodes read; optimizer state, say, stays local.</param>
    /// <param name="fetcher">How references not held here are fetched (nodes other than the learner's), or null.</param>
    public WeightStore(IBlobPublisher? publisher, IReadOnlySet<string> publishedKinds, IBlobFetcher? fetcher)
    {
        _publisher = publisher;
        _publishedKinds = publishedKinds;
        _fetcher = fetcher;
    }

    /// <summary>The URI of <paramref name="kind"/> version <paramref name="version"/> held in this process.</summary>
    public static string UriOf(string kind, ulong version) => $"{Scheme}{kind}/{version}";

    /// <summary>
    /// Stores a copy of <paramref name="content"/> as <paramref name="kind"/> version <paramref name="version"/>, and
    /// publishes it when other nodes read that kind; the reference names the published URI then.
    /// </summary>
    /// <exception cref="InvalidOperationException">That version exists with different content (versions are immutable).</exception>
    public BlobRef Put(string kind, ulong version, ReadOnlySpan<byte> content)
    {
        var uri = _publisher is not null && _publishedKinds.Contains(kind) ? _publisher.Publish(kind, version, content).Uri : UriOf(kind, version);
        return _blobs.Put(kind, version, content, uri);
    }

    /// <summary>The reference of a blob held here, or null.</summary>
    public BlobRef? Find(string kind, ulong version) => _blobs.TryGet(kind, version, out _, out var blob) ? blob : null;

    /// <summary>A blob held here, by reference, verified against it.</summary>
    /// <exception cref="InvalidDataException">The blob is not held here or does not match the reference.</exception>
    public ReadOnlyMemory<byte> Fetch(BlobRef blob)
    {
        if (!_blobs.TryGetByDigest(blob.Sha256, out var content))
            throw new InvalidDataException($"blob {blob.Uri} is not in the store");
        BlobDigest.Verify(blob, content);
        return content;
    }

    /// <summary>
    /// A blob by reference: from this node when held here, else fetched from its URI (once per digest while cached)
    /// and verified against the reference.
    /// </summary>
    /// <exception cref="InvalidDataException">The blob is not held here and this node has no fetcher.</exception>
    /// <exception cref="BlobFetchException">Fetching failed, or the content does not match the reference.</exception>
    public async ValueTask<ReadOnlyMemory<byte>> FetchAsync(BlobRef blob, CancellationToken cancellationToken = default)
    {
        if (_blobs.TryGetByDigest(blob.Sha256, out var held))
        {
            BlobDigest.Verify(blob, held);
            return held;
        }
        if (_fetcher is null)
            throw new InvalidDataException($"blob {blob.Uri} is not in the store and this node fetches nothing from other nodes");
        Task<byte[]> fetch;
        lock (_gate)
        {
            var node = _fetched.First;
            while (node is not null && node.Value.Sha256 != blob.Sha256)
                node = node.Next;
            if (node is not null && !node.Value.Content.IsFaulted && !node.Value.Content.IsCanceled)
            {
                fetch = node.Value.Content;
            }
            else
            {
                if (node is not null)
                    _fetched.Remove(node);
                // Readers of one digest share one download; a failed one is dropped so the next reader tries again.
                fetch = _fetcher.FetchAsync(blob, CancellationToken.None);
                _fetched.AddFirst((blob.Sha256, fetch));
                while (_fetched.Count > FetchedKept)
                    _fetched.RemoveLast();
            }
        }
        var content = await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        BlobDigest.Verify(blob, content);
        return content;
    }

    /// <summary>Drops versions of <paramref name="kind"/> older than <paramref name="keepFrom"/>, here and on the published data plane.</summary>
    public void Forget(string kind, ulong keepFrom)
    {
        _blobs.Forget(kind, keepFrom);
        if (_publisher is not null && _publishedKinds.Contains(kind))
            _publisher.Forget(kind, keepFrom);
    }
}
