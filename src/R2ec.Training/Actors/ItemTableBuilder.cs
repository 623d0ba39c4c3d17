using System.Diagnostics;
using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Model.Recommendation;
using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// Encodes every item with a given weights version and publishes the table on the data plane as item-table version =
/// policy version, so a request naming a policy version can name its table too.
/// </summary>
internal sealed class ItemTableBuilder(JobContext job) : ReplicaActor(job)
{
    private const int Chunk = 256;

    protected override async Task ReceiveAsync(IMessage message)
    {
        if (message is BuildItemTable build)
            Context.Reply(await BuildAsync(build.Version, build.Weights));
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
        Context.Log.Debug("Item table {Version} built: {Items} items x {Dimension} in {Seconds:F3} s",
            version, count, dim, clock.Elapsed.TotalSeconds);
        return new ItemTablePublished
        {
            Version = version, PolicyVersion = version, Blob = blob, ItemCount = (uint)count, Dimension = (uint)dim,
        };
    }
}
