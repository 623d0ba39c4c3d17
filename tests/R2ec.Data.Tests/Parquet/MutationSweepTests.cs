using System.Diagnostics;
using R2ec.Data.Datasets;
using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>
/// 10,000 seeded mutations of a prepared dataset file (bit flips, truncations, and altered lengths in the footer and
/// page headers), each read in full through our Parquet.Net layer: every one ends in a <see cref="ParquetException"/>
/// or a read of the seed's row count, within a time and allocation bound, never another exception, a hang or OOM.
/// The sweep runs on its own thread so that a read that never ends fails the test, naming the mutation, instead of
/// hanging it. R2EC_SWEEP_SEED picks another set of mutations (for runs by hand; CI uses the default).
/// </summary>
public sealed class MutationSweepTests
{
    private const int Mutations = 10_000;

    private const int DefaultSeed = 0x5eed;

    private static int SweepSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("R2EC_SWEEP_SEED"), out var s) ? s : DefaultSeed;

    // Limits small enough that a forged size is refused cheaply, large enough for the seed file.
    private static readonly ParquetReadOptions Limits = new()
    {
        MaxFooterBytes = 1 << 20, MaxRowGroupRows = 1 << 20, MaxColumnChunkValues = 1 << 20, MaxColumnChunkBytes = 16 << 20,
    };

    private static byte[] SeedFile(out int rows)
    {
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-sweep-{Guid.NewGuid():N}.parquet");
        try
        {
            var samples = Enumerable.Range(0, 300).Select(i => new Sample(i % 17, $"U{i % 17}", 1 + i % 9,
                Enumerable.Range(0, i % 9).Select(k => 1 + (i * 7 + k) % 50).ToArray(),
                Enumerable.Range(0, i % 9).Select(k => k % 3 == 0 ? float.NaN : 0.5f * (k % 10)).ToArray(),
                Enumerable.Range(0, i % 9).Select(k => 1_000_000L + i * 100 + k).ToArray(),
                1 + i % 50, 3.5f, 2_000_000L + i)).ToList();
            new ParquetDatasetStore().WriteSamples(path, samples);
            rows = samples.Count;
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Reads every leaf of every row group and assembles the table; returns the rows read.</summary>
    internal static long ReadEverything(byte[] bytes, string name, ParquetReadOptions options)
    {
        using var reader = ParquetFileReader.Open(bytes, name, options);
        long rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
            rows += reader.ReadRowGroup(g).RowCount;
        // Not an NUnit assertion: this runs on the sweep's thread, where a mismatch is collected as a failure.
        if (rows != reader.RowCount)
            throw new InvalidOperationException($"{name}: {rows} rows read but the footer declares {reader.RowCount}");
        return rows;
    }

    /// <summary>Mutation <paramref name="i"/> of the seed: depends only on (seed bytes, i).</summary>
    internal static byte[] Mutate(byte[] seed, int i, int sweepSeed = DefaultSeed)
    {
        var random = new Random(unchecked(sweepSeed * 100_003 + i));
        var bytes = (byte[])seed.Clone();
        var footerLength = BitConverter.ToInt32(seed, seed.Length - 8);
        var footerStart = seed.Length - 8 - footerLength;
        switch (i % 5)
        {
            case 0: // a bit flip anywhere
                var at = random.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // a truncation
                return bytes[..random.Next(bytes.Length)];
            case 2: // a bit flip in the footer (lengths, offsets, counts are Thrift varints there)
                var f = footerStart + random.Next(footerLength);
                bytes[f] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 3: // an altered byte in the first bytes of a page (its header: sizes, value counts)
                var p = 4 + random.Next(Math.Min(64, footerStart - 4));
                bytes[p] = (byte)random.Next(256);
                return bytes;
            default: // an altered footer length
                BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), footerLength + random.Next(-64, 65) * (random.Next(2) == 0 ? 1 : 1 << 20));
                return bytes;
        }
    }

    [Test]
    public void Ten_thousand_mutations_give_a_clear_error_or_a_correct_read()
    {
        var seed = SeedFile(out var rows);
        Assert.That(ReadEverything(seed, "seed.parquet", Limits), Is.EqualTo(rows), "the seed itself reads");
        var sweepSeed = SweepSeed;
        int rejected = 0, accepted = 0, current = -1;
        var failures = new List<string>();
        double slowest = 0;
        long mostAllocated = 0;
        var hungriest = -1;
        // CPU time, not wall time: the bound is on the work, which a machine shared with other builds stretches in wall time.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            for (var i = 0; i < Mutations; i++)
            {
                Volatile.Write(ref current, i);
                var bytes = Mutate(seed, i, sweepSeed);
                var name = $"mutation-{i}.parquet";
                var watch = Stopwatch.StartNew();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    var read = ReadEverything(bytes, name, Limits);
                    if (read != rows) failures.Add($"mutation {i} read as valid with {read} rows instead of {rows}");
                    accepted++;
                }
                catch (ParquetException e) when (e.Message.Contains(name, StringComparison.Ordinal))
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"mutation {i}: {e.GetType().Name}: {e.Message}");
                }
                slowest = Math.Max(slowest, watch.Elapsed.TotalMilliseconds);
                var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
                if (used > mostAllocated) (mostAllocated, hungriest) = (used, i);
            }
        }) { IsBackground = true };
        worker.Start();
        // A read that never ends leaves the thread behind (it cannot be stopped) but fails the test, naming the mutation.
        Assert.That(worker.Join(TimeSpan.FromMinutes(5)), Is.True, $"the sweep did not finish: mutation {Volatile.Read(ref current)} (seed {sweepSeed}) is still being read");
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        TestContext.Out.WriteLine($"seed {sweepSeed}: {Mutations} mutations in {total.Elapsed.TotalSeconds:F1} s ({cpuUsed.TotalSeconds:F1} s CPU): {rejected} rejected, {accepted} read, " +
            $"slowest {slowest:F1} ms, most allocated {mostAllocated:N0} bytes (mutation {hungriest})");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
        Assert.That(rejected + accepted, Is.EqualTo(Mutations));
        Assert.That(rejected, Is.GreaterThan(Mutations / 2), "most mutations are detected");
        Assert.That(slowest, Is.LessThan(5_000), "no read takes more than 5 s (about 0.2 s measured; wall time, so with room for a busy machine)");
        Assert.That(mostAllocated, Is.LessThan(32L << 20), "no read allocates more than 32 MB (about 0.5 MB measured)");
        Assert.That(cpuUsed, Is.LessThan(TimeSpan.FromMinutes(1)), "the sweep's CPU time");
    }
}
