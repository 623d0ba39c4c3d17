using R2ec.Model.Recommendation;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// One actor's own copy of the policy and item table, swapped to the version a request names by fetching the blob
/// from the data plane and verifying its digest (DESIGN.md §2 step 6). Loads happen between requests only, since an
/// actor handles one message at a time.
/// </summary>
internal sealed class PolicyReplica(IPolicyCompute compute, WeightStore store) : IDisposable
{
    private string? _weightsDigest;
    private ItemTable? _items;
    private ulong _itemsVersion;
    private string? _itemsDigest;

    public ulong? WeightsVersion { get; private set; }

    /// <summary>The policy with the weights of <paramref name="weights"/>, version <paramref name="version"/>.</summary>
    public async ValueTask<IPolicyCompute> AtAsync(ulong version, BlobRef weights)
    {
        if (_weightsDigest != weights.Sha256 || WeightsVersion != version)
        {
            compute.LoadWeights((await store.FetchAsync(weights)).Span);
            _weightsDigest = weights.Sha256;
            WeightsVersion = version;
        }
        return compute;
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
