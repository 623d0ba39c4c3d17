using System.Diagnostics;
using Akka.Actor;
using R2ec.Model.Recommendation;
using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// Encodes every item with a given weights version and publishes the table on the data plane as item-table version =
/// policy version, so a request naming a policy version can name its table too. It answers the sender of
/// <see cref="BuildItemTable"/> with <see cref="ItemTablePublished"/>.
/// </summary>
internal sealed class ItemTableBuilder : ReplicaActor
{
    private const int Chunk = 256;

    public ItemTableBuilder(JobContext job) : base(job)
    {
        // ReceiveAsync: fetching the weights is asynchronous, and the next build must not start before this one ends.
        ReceiveAsync<BuildItemTable>(async build =>
        {
            var replyTo = Sender;
            replyTo.Tell(await BuildAsync(build.Version, build.Weights), Self);
        });
    }

    private async Task<ItemTablePublished> BuildAsync(ulong version, BlobRef weights)
    {
        var clock = Stopwatch.StartNew();
        var policy = await (await ReplicaAsync()).AtAsync(version, weights);
        var count = Job.Data.ItemCount;
        var dim = policy.EmbeddingSize;
        var data = new float[count * dim];
        for (var first = 0; first < count; first += Chunk)
        {
            var n = Math.Min(Chunk, count - first);
            policy.EncodeItems(first + 1, n, data.AsSpan(first * dim, n * dim));
        }
        var table = new ItemTable((long)version, count, dim, data);
        var blob = Job.Store.Put(JobContext.ItemsKind, version, table.ToBytes());
        Log.Debug("Item table {Version} built: {Items} items x {Dimension} in {Seconds:F3} s",
            version, count, dim, clock.Elapsed.TotalSeconds);
        return new ItemTablePublished
        {
            Version = version, PolicyVersion = version, Blob = blob, ItemCount = (uint)count, Dimension = (uint)dim,
        };
    }
}
