using System.Diagnostics;
using System.Globalization;

namespace R2ec.Training.DataPlane;

/// <summary>
/// Measures a weight broadcast over the HTTP data plane on loopback: the time from the learner's publish (copy and
/// digest of the weights) until every one of N workers holds verified bytes (download, SHA-256 check, swap), beside
/// two floors: N plain concurrent GETs of the same blob without verification, and N in-memory copies; and the same
/// broadcast through a <see cref="SharedDirectoryBlobStore"/> in a local temporary directory.
/// </summary>
public static class BroadcastBenchmark
{
    /// <summary>Median timings of one configuration.</summary>
    /// <param name="Workers">Fetching workers.</param>
    /// <param name="Bytes">Blob size.</param>
    /// <param name="Repetitions">Timed broadcasts (after one untimed warm-up).</param>
    /// <param name="PublishMs">Median time of the publish alone (the learner copies and digests the weights).</param>
    /// <param name="PublishToAllSwappedMs">Median time from publish until every worker swapped verified bytes.</param>
    /// <param name="RawLoopbackGetMs">Median time of N concurrent plain GETs of the blob (no digest, no retry logic).</param>
    /// <param name="MemoryCopyMs">Median time of N copies of the blob in memory.</param>
    /// <param name="SharedDirectoryMs">Median time from an atomic, flushed write to a shared directory until N readers verified it.</param>
    public sealed record Result(int Workers, long Bytes, int Repetitions, double PublishMs, double PublishToAllSwappedMs, double RawLoopbackGetMs, double MemoryCopyMs, double SharedDirectoryMs)
    {
        /// <summary>The result as a Markdown table row: workers, MB, publish ms, broadcast ms, raw GET ms, memory copy ms, shared directory ms.</summary>
        public string ToMarkdownRow() => string.Create(CultureInfo.InvariantCulture,
            $"| {Workers} | {Bytes / 1e6:0.#} | {PublishMs:0.0} | {PublishToAllSwappedMs:0.0} | {RawLoopbackGetMs:0.0} | {MemoryCopyMs:0.0} | {SharedDirectoryMs:0.0} |");
    }

    /// <summary>Broadcasts a blob of <paramref name="bytes"/> to <paramref name="workers"/> fetchers, <paramref name="repetitions"/> times.</summary>
    public static async Task<Result> RunAsync(int workers, int bytes, int repetitions = 5, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        var token = BearerToken.Random();
        await using var server = await HttpBlobServer.StartAsync(new BlobServerOptions(token), cancellationToken: cancellationToken);
        var fetchers = Enumerable.Range(0, workers).Select(_ => new HttpBlobFetcher(token)).ToArray();
        var rawClients = Enumerable.Range(0, workers).Select(_ => new HttpClient { DefaultRequestHeaders = { Authorization = token.Header } }).ToArray();
        var directory = Directory.CreateTempSubdirectory("r2ec-broadcast-");
        var shared = new SharedDirectoryBlobStore(directory.FullName);
        try
        {
            var weights = new byte[bytes];
            new Random(bytes).NextBytes(weights);
            var swapped = new byte[workers][];
            var copies = Enumerable.Range(0, workers).Select(_ => new byte[bytes]).ToArray();
            var (publish, broadcast, raw, copy, onVolume) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            for (var round = 0; round <= repetitions; round++)
            {
                // Each round is a new policy version with different content, as in training.
                weights[0] = (byte)round;
                GC.Collect();
                var clock = Stopwatch.StartNew();
                var blob = server.Publish("weights", (ulong)round, weights);
                var publishMs = clock.Elapsed.TotalMilliseconds;
                await Task.WhenAll(fetchers.Select((fetcher, i) => Task.Run(async () =>
                    Volatile.Write(ref swapped[i], await fetcher.FetchAsync(blob, cancellationToken)), cancellationToken)));
                var broadcastMs = clock.Elapsed.TotalMilliseconds;

                GC.Collect();
                clock.Restart();
                await Task.WhenAll(rawClients.Select(client => Task.Run(() => client.GetByteArrayAsync(blob.Uri, cancellationToken), cancellationToken)));
                var rawMs = clock.Elapsed.TotalMilliseconds;

                clock.Restart();
                foreach (var target in copies)
                    weights.CopyTo(target, 0);
                var copyMs = clock.Elapsed.TotalMilliseconds;

                GC.Collect();
                clock.Restart();
                var file = shared.Publish("weights", (ulong)round, weights);
                await Task.WhenAll(swapped.Select((_, i) => Task.Run(async () =>
                    Volatile.Write(ref swapped[i], await shared.FetchAsync(file, cancellationToken)), cancellationToken)));
                var sharedMs = clock.Elapsed.TotalMilliseconds;

                // Round 0 warms connections, the JIT and the pages of the buffers; it is not counted.
                if (round == 0)
                    continue;
                publish.Add(publishMs);
                broadcast.Add(broadcastMs);
                raw.Add(rawMs);
                copy.Add(copyMs);
                onVolume.Add(sharedMs);
            }
            return new Result(workers, bytes, repetitions, Median(publish), Median(broadcast), Median(raw), Median(copy), Median(onVolume));
        }
        finally
        {
            foreach (var fetcher in fetchers)
                fetcher.Dispose();
            foreach (var client in rawClients)
                client.Dispose();
            directory.Delete(recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
