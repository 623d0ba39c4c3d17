using R2ec.Data.Parquet;
using R2ec.Data.Parquet.Compression;
using R2ec.Data.Parquet.Encodings;
using R2ec.TestSupport;

namespace R2ec.Data.Tests.Parquet;

/// <summary>Corrupted and truncated files fail with <see cref="ParquetException"/>: no other exception, no hang, bounded memory.</summary>
public sealed class RobustnessTests
{
    private static List<(string Name, byte[] Data)> Seeds()
    {
        // The small conformance files (the large ones take the time without adding layouts), plus one of ours.
        var seeds = Directory.GetFiles(RepoPaths.SharedFile("parquet-testing"), "*.parquet")
            .Where(f => new FileInfo(f).Length <= 64 << 10).Order()
            .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-sweep-{Guid.NewGuid():N}.parquet");
        var specs = new[]
        {
            new ParquetColumnSpec("id", ParquetValueType.Int64),
            new ParquetColumnSpec("title", ParquetValueType.String, Nullable: true),
            new ParquetColumnSpec("history", ParquetValueType.Int32, IsList: true, ElementNullable: true),
            new ParquetColumnSpec("at", ParquetValueType.Timestamp, Nullable: true),
        };
        ParquetFileWriter.Write(path, TestTables.Random(200, 11, specs, distinct: 20), new ParquetWriteOptions { MaxRowGroupRows = 80, PageTargetBytes = 512 });
        seeds.Add(("r2ec-writer.parquet", File.ReadAllBytes(path)));
        File.Delete(path);
        return seeds;
    }

    [Test]
    public void Twenty_thousand_seeded_mutations_only_ever_raise_ParquetException()
    {
        var seeds = Seeds();
        Assert.That(seeds, Has.Count.GreaterThan(40));
        var result = ParquetMutationSweep.Run(seeds, mutations: 20_000, seed: 20260522);
        Assert.That(result.Crashes, Is.EqualTo(0), string.Join("\n", result.CrashSamples));
        Assert.That(result.Backstopped, Is.EqualTo(0), string.Join("\n", result.BackstopSamples));
        Assert.That(result.Rejected, Is.GreaterThan(result.Mutations / 2), "most mutations must be noticed");
        Assert.That(result.Rejected + result.Accepted, Is.EqualTo(result.Mutations));
        // Bounds, not speed: a hang would show as seconds, a forged length as hundreds of megabytes.
        Assert.That(result.SlowestMilliseconds, Is.LessThan(5_000), result.SlowestCase);
        Assert.That(result.MostAllocatedBytes, Is.LessThan(256L << 20));
    }

    [Test]
    public void Every_truncation_of_a_file_is_rejected()
    {
        foreach (var (name, data) in Seeds().Where(s => s.Name is "alltypes_plain.snappy.parquet" or "r2ec-writer.parquet"))
        {
            for (var length = 0; length < data.Length; length++)
            {
                var cut = data[..length];
                Assert.Throws<ParquetException>(() => ParquetMutationSweep.ReadEverything(cut, name, ParquetMutationSweep.Limits),
                    $"{name} cut to {length} bytes");
            }
        }
    }

    [Test]
    public void Forged_page_size_is_refused_before_allocating()
    {
        var e = Assert.Throws<ParquetException>(() =>
        {
            using var reader = ParquetFileReader.Open(RepoPaths.SharedFile("parquet-testing", "large_string_map.brotli.parquet"));
            reader.ReadRows().ToList();
        });
        Assert.That(e!.Message, Does.Contain("1073741828 bytes").And.Contain("MaxPageBytes"));
    }

    [Test]
    public void Unsupported_codec_names_the_codec_and_column()
    {
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-lzo-{Guid.NewGuid():N}.parquet");
        try
        {
            var spec = new ParquetColumnSpec("x", ParquetValueType.Int32);
            ParquetFileWriter.Write(path, new ParquetTable([new(spec, new[] { 1, 2, 3 })]), new ParquetWriteOptions { Compression = ParquetCompression.Uncompressed });
            // Rewrite the codec field of the column metadata (thrift field 4, i32 zigzag 0) to LZO (3 → zigzag 6).
            var bytes = File.ReadAllBytes(path);
            var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 8);
            var footerStart = bytes.Length - 8 - footerLength;
            var replaced = false;
            for (var i = footerStart; i < bytes.Length - 9 && !replaced; i++)
            {
                // codec follows path_in_schema ("x"): list header 0x19 0x18, length 1, 'x', then field header 0x15, value 0x00.
                if (bytes[i] == (byte)'x' && bytes[i + 1] == 0x15 && bytes[i + 2] == 0x00)
                {
                    bytes[i + 2] = 0x06;
                    replaced = true;
                }
            }
            Assert.That(replaced, Is.True, "found the codec field");
            var e = Assert.Throws<ParquetException>(() => ParquetMutationSweep.ReadEverything(bytes, "lzo.parquet", ParquetReadOptions.Default));
            Assert.That(e!.Message, Does.Contain("LZO").And.Contain("column 'x'").And.Contain("not supported"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Encrypted_footer_is_named_as_the_unsupported_feature()
    {
        var bytes = File.ReadAllBytes(RepoPaths.SharedFile("parquet-testing", "alltypes_plain.parquet"));
        "PARE"u8.CopyTo(bytes.AsSpan(bytes.Length - 4));
        var e = Assert.Throws<ParquetException>(() => ParquetFileReader.Open(bytes, "secret.parquet"));
        Assert.That(e!.Message, Does.Contain("secret.parquet").And.Contain("encrypt").And.Contain("not supported"));
    }

    [Test]
    public void Unknown_column_in_a_projection_lists_the_columns()
    {
        using var reader = ParquetFileReader.Open(RepoPaths.SharedFile("parquet-testing", "alltypes_plain.parquet"));
        var e = Assert.Throws<ParquetException>(() => reader.ReadTable(["nope"]));
        Assert.That(e!.Message, Does.Contain("no column 'nope'").And.Contain("bool_col"));
    }

    [Test]
    public void Invalid_utf8_in_a_string_column_is_an_error_not_replacement_characters()
    {
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-utf8-{Guid.NewGuid():N}.parquet");
        var spec = new ParquetColumnSpec("title", ParquetValueType.String);
        ParquetFileWriter.Write(path, new ParquetTable([new(spec, new[] { "hello-unique-marker" })]),
            new ParquetWriteOptions { Compression = ParquetCompression.Uncompressed, Dictionary = false, Statistics = false });
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        var at = bytes.AsSpan().IndexOf("hello-unique-marker"u8);
        Assert.That(at, Is.GreaterThan(0));
        bytes[at] = 0xFF;
        var e = Assert.Throws<ParquetException>(() =>
            ParquetMutationSweep.ReadEverything(bytes, "utf8.parquet", new ParquetReadOptions { VerifyChecksums = false }));
        Assert.That(e!.Message, Does.Contain("column 'title'").And.Contain("not valid UTF-8"));
        Assert.Throws<ParquetException>(() => ParquetMutationSweep.ReadEverything(bytes, "utf8.parquet", ParquetReadOptions.Default),
            "with checksums verified the page CRC catches it first");
    }

    [Test]
    public void Decoders_and_decompressors_fed_random_bytes_only_raise_ParquetException()
    {
        var rng = new Random(5);
        var encodings = Enum.GetValues<ParquetEncoding>();
        var types = Enum.GetValues<PhysicalType>();
        var others = 0;
        var decoded = 0;
        for (var i = 0; i < 30_000; i++)
        {
            var data = new byte[rng.Next(0, 64)];
            rng.NextBytes(data);
            // Small varints now and then, so delta headers and RLE runs get past their first checks.
            for (var k = 0; k < data.Length; k++) if (rng.Next(3) == 0) data[k] &= 0x0F;
            var type = types[rng.Next(types.Length)];
            var values = new ValueBuffer(type, 4, 1 << 20, "x");
            var dict = new ValueBuffer(type, 4, 1 << 20, "x");
            PlainDecoder.Decode(new byte[64], 3, dict, "dict");
            try
            {
                ValueDecoder.Decode(encodings[rng.Next(encodings.Length)], data, rng.Next(0, 40), values,
                    new DictionaryValues(dict, 0), "column 'x'");
                decoded++;
                var codec = (ParquetCompression)rng.Next(0, 8);
                PageCompression.Decompress(codec, data, rng.Next(0, 200), "page");
            }
            catch (ParquetException)
            {
            }
            catch (Exception e)
            {
                others++;
                if (others == 1) Assert.Fail($"input {i} ({type}): {e}");
            }
        }
        Assert.That(others, Is.Zero);
        Assert.That(decoded, Is.GreaterThan(1000), "some random inputs decode, so the decoders ran past their headers");
    }
}
