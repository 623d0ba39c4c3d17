using System.Diagnostics;
using R2ec.Data.Datasets;
using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>
/// 10,000 seeded mutations of a prepared dataset file (bit flips, truncations, and altered lengths in the footer and
/// page headers), each read in full through our Parquet.Net layer: every one ends in a <see cref="ParquetException"/>
/// or a read that agrees with its footer (almost always the seed's row count), within a time and allocation bound, never another exception, a hang or OOM.
/// </summary>
public sealed class MutationSweepTests
{
    private const int Mutations = 10_000;

    // Limits small enough that a forged size is refused cheaply, large enough for the seed file.
    private static readonly ParquetReadOptions Limits = new()
    {
        MaxFooterBytes = 1 << 20, MaxRowGroupRows = 1 << 20, MaxColumnChunkValues = 1 << 22, MaxColumnChunkBytes = 64 << 20,
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
        Assert.That(rows, Is.EqualTo(reader.RowCount), $"{name}: rows read match the footer's row count");
        return rows;
    }

    /// <summary>Mutation <paramref name="i"/> of the seed: depends only on (seed bytes, i).</summary>
    internal static byte[] Mutate(byte[] seed, int i)
    {
        var random = new Random(unchecked(0x5eed * 100_003 + i));
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
        int rejected = 0, accepted = 0, otherRowCount = 0;
        var crashes = new List<string>();
        double slowest = 0;
        long mostAllocated = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < Mutations; i++)
        {
            var bytes = Mutate(seed, i);
            var watch = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                // A read must agree with its own footer; a footer mutation that changes the declared rows
                // consistently (no checksum covers the footer) reads with another count, which is reported below.
                if (ReadEverything(bytes, $"mutation-{i}.parquet", Limits) != rows) otherRowCount++;
                accepted++;
            }
            catch (ParquetException e)
            {
                Assert.That(e.Message, Does.Contain($"mutation-{i}.parquet"), "the error names the file");
                rejected++;
            }
            catch (Exception e) when (e is not AssertionException)
            {
                if (crashes.Count < 5) crashes.Add($"mutation {i}: {e.GetType().Name}: {e.Message}");
                else crashes.Add("");
            }
            slowest = Math.Max(slowest, watch.Elapsed.TotalMilliseconds);
            mostAllocated = Math.Max(mostAllocated, GC.GetAllocatedBytesForCurrentThread() - allocated);
        }
        TestContext.Out.WriteLine($"{Mutations} mutations in {total.Elapsed.TotalSeconds:F1} s: {rejected} rejected, {accepted} read ({otherRowCount} with another row count), " +
            $"slowest {slowest:F1} ms, most allocated {mostAllocated:N0} bytes");
        Assert.That(crashes, Is.Empty, string.Join("\n", crashes.Where(c => c.Length > 0)));
        Assert.That(rejected + accepted, Is.EqualTo(Mutations));
        Assert.That(otherRowCount, Is.LessThan(Mutations / 100), "reads with another row count stay rare");
        Assert.That(rejected, Is.GreaterThan(Mutations / 2), "most mutations are detected");
        Assert.That(slowest, Is.LessThan(2_000), "no read takes more than 2 s");
        Assert.That(mostAllocated, Is.LessThan(256L << 20), "no read allocates more than 256 MB");
        Assert.That(total.Elapsed, Is.LessThan(TimeSpan.FromMinutes(1)));
    }
}
