using System.Buffers.Binary;
using System.Diagnostics;

namespace R2ec.Data.Parquet;

/// <summary>What a mutation sweep found.</summary>
/// <param name="Mutations">Mutated files read.</param>
/// <param name="Rejected">Files that failed with <see cref="ParquetException"/> (the expected outcome for most).</param>
/// <param name="Accepted">Files that still read (the mutation hit bytes that decode to other valid values).</param>
/// <param name="Crashes">Files that failed with any other exception: each one is a bug.</param>
/// <param name="CrashSamples">The first few crashes: seed file, mutation index and exception.</param>
/// <param name="Backstopped">Rejections where a decoder met something no explicit check caught (an index out of range,
/// a bad cast) and the reader's last-resort handler turned it into a <see cref="ParquetException"/>: not a crash, but a
/// missing check worth adding.</param>
/// <param name="BackstopSamples">The first few of those.</param>
/// <param name="SlowestMilliseconds">The longest time one mutated file took.</param>
/// <param name="SlowestCase">Which mutation that was.</param>
/// <param name="MostAllocatedBytes">The most bytes reading one mutated file allocated.</param>
public sealed record ParquetSweepResult(
    int Mutations, int Rejected, int Accepted, int Crashes, IReadOnlyList<string> CrashSamples,
    int Backstopped, IReadOnlyList<string> BackstopSamples, double SlowestMilliseconds, string SlowestCase, long MostAllocatedBytes);

/// <summary>
/// Robustness sweep: reads seeded mutations (truncations, bit flips, overwritten integers, cut and repeated ranges) of
/// real Parquet files and checks that every failure is a <see cref="ParquetException"/>, with time and allocation per
/// file recorded. Mutation <c>i</c> depends only on (seed, i), so any finding can be replayed.
/// </summary>
public static class ParquetMutationSweep
{
    /// <summary>
    /// Reader limits for sweeps: small enough that a forged size cannot make one file allocate much. Checksums are not
    /// verified, so that mutated pages reach the decompressors and decoders instead of stopping at the CRC.
    /// </summary>
    public static ParquetReadOptions Limits { get; } = new()
    {
        VerifyChecksums = false,
        MaxPageBytes = 16 << 20,
        MaxPageValues = 1 << 20,
        MaxColumnChunkValues = 4 << 20,
        MaxColumnChunkBytes = 64 << 20,
    };

    /// <summary>Runs <paramref name="mutations"/> mutations spread over the seed files.</summary>
    public static ParquetSweepResult Run(IReadOnlyList<(string Name, byte[] Data)> seeds, int mutations, int seed,
        ParquetReadOptions? limits = null, Action<int>? progress = null)
    {
        limits ??= Limits;
        int rejected = 0, accepted = 0;
        var crashes = new List<string>();
        var crashCount = 0;
        var backstops = new List<string>();
        var backstopCount = 0;
        double slowest = 0;
        var slowestCase = "";
        long mostAllocated = 0;
        for (var i = 0; i < mutations; i++)
        {
            var (name, original) = seeds[i % seeds.Count];
            var rng = new Random(unchecked(seed * 1_000_003 + i));
            var mutated = Mutate(original, rng);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                ReadEverything(mutated, name, limits);
                accepted++;
            }
            catch (ParquetException e)
            {
                rejected++;
                if (e.InnerException is { } inner && inner is not ParquetException and not InvalidDataException)
                {
                    backstopCount++;
                    if (backstops.Count < 10) backstops.Add($"{name} mutation {i} (seed {seed}): {e.Message}\n{inner.StackTrace}");
                }
            }
            catch (Exception e)
            {
                crashCount++;
                if (crashes.Count < 10) crashes.Add($"{name} mutation {i} (seed {seed}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            var ms = watch.Elapsed.TotalMilliseconds;
            if (ms > slowest)
            {
                slowest = ms;
                slowestCase = $"{name} mutation {i}";
            }
            mostAllocated = Math.Max(mostAllocated, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            if (progress is not null && (i + 1) % 1000 == 0) progress(i + 1);
        }
        return new ParquetSweepResult(mutations, rejected, accepted, crashCount, crashes, backstopCount, backstops, slowest, slowestCase, mostAllocated);
    }

    /// <summary>Reads a file every way the reader offers: footer facts, records, and typed tables where the shape allows.</summary>
    public static void ReadEverything(byte[] data, string name, ParquetReadOptions limits)
    {
        using var reader = ParquetFileReader.Open(data, name, limits);
        _ = reader.Schema.ToString();
        for (var g = 0; g < reader.RowGroupCount; g++) _ = reader.RowGroupColumns(g);
        foreach (var _ in reader.ReadRows()) { }
        var flat = reader.Schema.Fields.Where(f => !f.IsGroup || f.Logical.Kind == LogicalKind.List).Select(f => f.Name).ToList();
        try
        {
            foreach (var _ in reader.ReadRowGroups(flat)) { }
        }
        catch (ParquetException e) when (e.Message.Contains("read it with ReadRows", StringComparison.Ordinal))
        {
            // A nested column the typed reader does not take; the records above covered it.
        }
    }

    private static readonly int[] InterestingInts = [0, 1, -1, 2, 7, 8, 15, 16, 127, 128, 255, 256, 4096, 65535, int.MaxValue, int.MinValue, 1 << 30];

    private static byte[] Mutate(byte[] original, Random rng)
    {
        var data = (byte[])original.Clone();
        var n = data.Length;
        // The footer and the page headers are where lengths and counts live: aim half the mutations at the tail.
        int Pos() => rng.Next(2) == 0 ? rng.Next(n) : Math.Max(0, n - 1 - rng.Next(Math.Min(n, 512)));
        switch (rng.Next(7))
        {
            case 0:
                return data[..rng.Next(n)];
            case 1:
                for (var k = rng.Next(1, 9); k > 0; k--) data[Pos()] ^= (byte)(1 << rng.Next(8));
                return data;
            case 2:
                for (var k = rng.Next(1, 5); k > 0; k--) data[Pos()] = (byte)InterestingInts[rng.Next(InterestingInts.Length)];
                return data;
            case 3:
            {
                var p = Math.Min(Pos(), n - 4);
                BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(p), InterestingInts[rng.Next(InterestingInts.Length)]);
                return data;
            }
            case 4:
            {
                // Cut a range but keep the trailer, so the footer length now points elsewhere.
                var a = rng.Next(n - 8);
                var b = Math.Min(n - 8, a + rng.Next(1, 64));
                return [.. data.AsSpan(0, a), .. data.AsSpan(b)];
            }
            case 5:
            {
                var a = rng.Next(n - 8);
                var len = Math.Min(n - 8 - a, rng.Next(1, 64));
                return [.. data.AsSpan(0, a + len), .. data.AsSpan(a, len), .. data.AsSpan(a + len)];
            }
            default:
            {
                var p = Pos();
                data[p] = (byte)rng.Next(256);
                return data;
            }
        }
    }
}
