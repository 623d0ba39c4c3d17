using R2ec.Model.Recommendation;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// One actor's own copy of the policy and item table, swapped to the version a request names by fetching the blob
/// from the data plane and verifying its digest (DESIGN.md §2 step 6). Loads happen between requests only, since an
/// actor handles one message at a time. It keeps the verified bytes of the last <paramref name="versionsKept"/> weight
/// versions (s + 1 with <c>Learner:MaxStaleness</c> = s), so a pipelined worker that alternates between the versions of
/// the steps in flight reloads them without fetching or hashing again.
/// </summary>
internal sealed class PolicyReplica(IPolicyCompute compute, WeightStore store, int versionsKept = 1) : IDisposable
{
    private string? _weightsDigest;
    private ItemTable? _items;
    private ulong _itemsVersion;
    private string? _itemsDigest;
    // Newest first: (version, digest, verified bytes).
    private readonly LinkedList<(ulong Version, string Digest, ReadOnlyMemory<byte> Bytes)> _kept = new();

    public ulong? WeightsVersion { get; private set; }

    /// <summary>The policy with the weights of <paramref name="weights"/>, version <paramref name="version"/>.</summary>
    public async ValueTask<IPolicyCompute> AtAsync(ulong version, BlobRef weights)
    {
        if (_weightsDigest != weights.Sha256 || WeightsVersion != version)
        {
            compute.LoadWeights((await BytesAsync(version, weights)).Span);
            _weightsDigest = weights.Sha256;
            WeightsVersion = version;
        }
        return compute;
    }

    /// <summary>Fetches and keeps the bytes of weights version <paramref name="version"/> without loading them (a pipelined worker's next version).</summary>
    public async ValueTask PrefetchAsync(ulong version, BlobRef weights) => await BytesAsync(version, weights);

    private async ValueTask<ReadOnlyMemory<byte>> BytesAsync(ulong version, BlobRef weights)
    {
        foreach (var kept in _kept)
            if (kept.Version == version && kept.Digest == weights.Sha256)
                return kept.Bytes;
        var bytes = await store.FetchAsync(weights);
        _kept.AddFirst((version, weights.Sha256, bytes));
        while (_kept.Count > Math.Max(1, versionsKept))
            _kept.RemoveLast();
        return bytes;
    }

    /// <summary>The item table <paramref name="table"/>, version <paramref name="version"/>.</summary>
    /// <exception cref="FormatException">The blob is not an item table (the message names the version).</exception>
    public async ValueTask<ItemTable> ItemsAsync(ulong version, BlobRef table)
    {
        if (_items is null || _itemsVersion != version || _itemsDigest != table.Sha256)
        {
            _items = ItemTable.FromBytes((await store.FetchAsync(table)).Span, $"item table blob version {version}");
            _itemsVersion = version;
            _itemsDigest = table.Sha256;
        }
        return _items;
    }

    public void Dispose() => compute.Dispose();
}
