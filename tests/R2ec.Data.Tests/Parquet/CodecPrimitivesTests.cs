using System.Buffers;
using R2ec.Data.Parquet;
using R2ec.Data.Parquet.Compression;
using R2ec.Data.Parquet.Encodings;

namespace R2ec.Data.Tests.Parquet;

/// <summary>The building blocks on their own: Snappy, the RLE / bit-packed hybrid, CRC-32, page codecs.</summary>
public sealed class CodecPrimitivesTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(100)]
    [TestCase(70_000)]
    [TestCase(300_000)]
    public void Snappy_round_trips_random_and_repetitive_data(int length)
    {
        var rng = new Random(length);
        var data = new byte[length];
        for (var i = 0; i < length; i++) data[i] = i % 1000 < 500 ? (byte)rng.Next(256) : (byte)(i % 7);
        var compressed = new byte[Snappy.MaxCompressedLength(length)];
        var n = Snappy.Compress(data, compressed);
        var back = new byte[length];
        Snappy.Decompress(compressed.AsSpan(0, n), back);
        Assert.That(back, Is.EqualTo(data));
        if (length >= 70_000) Assert.That(n, Is.LessThan(length * 3 / 4), "repetitive halves compress");
    }

    [Test]
    public void Snappy_decodes_a_hand_made_stream_with_an_overlapping_copy()
    {
        // Length 9; literal "ab"; copy of 7 bytes at offset 2 (1-byte-offset form) -> "ababababa".
        byte[] stream = [9, 0b000001_00, (byte)'a', (byte)'b', 0b000_011_01, 2];
        var output = new byte[9];
        Snappy.Decompress(stream, output);
        Assert.That(System.Text.Encoding.ASCII.GetString(output), Is.EqualTo("ababababa"));
        Assert.Throws<ParquetException>(() => Snappy.Decompress([9, 0b000001_00, (byte)'a', (byte)'b', 0b000_011_01, 3], new byte[9]),
            "an offset before the start of the output");
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(8)]
    [TestCase(13)]
    [TestCase(20)]
    [TestCase(32)]
    public void Rle_hybrid_round_trips_runs_and_literals(int bitWidth)
    {
        var rng = new Random(bitWidth);
        var max = bitWidth == 32 ? int.MaxValue : (1 << bitWidth) - 1;
        var values = new int[5000];
        for (var i = 0; i < values.Length;)
        {
            var run = rng.Next(3) == 0 ? rng.Next(8, 100) : rng.Next(1, 8);
            var v = rng.Next(max) + (rng.Next(2) == 0 ? 1 : 0);
            for (var k = 0; k < run && i < values.Length; k++) values[i++] = rng.Next(4) == 0 ? rng.Next(max) : v;
        }
        var encoded = new ArrayBufferWriter<byte>();
        RleHybridEncoder.Encode(values, bitWidth, encoded);
        var decoded = new int[values.Length];
        RleHybridDecoder.Decode(encoded.WrittenSpan, bitWidth, decoded, "test");
        Assert.That(decoded, Is.EqualTo(values));
    }

    [Test]
    public void Rle_hybrid_rejects_data_that_ends_early()
    {
        var encoded = new ArrayBufferWriter<byte>();
        RleHybridEncoder.Encode(Enumerable.Range(0, 64).ToArray(), 7, encoded);
        var e = Assert.Throws<ParquetException>(() =>
            RleHybridDecoder.Decode(encoded.WrittenSpan[..3], 7, new int[64], "column 'x' page 0"));
        Assert.That(e!.Message, Does.StartWith("column 'x' page 0"));
    }

    [Test]
    public void Level_encodings_match_the_examples_of_the_format_spec()
    {
        // Values 0..7 at bit width 3: the hybrid's bit-packed run (LSB first) and the deprecated BIT_PACKED (MSB first).
        var decoded = new int[8];
        RleHybridDecoder.Decode([0b11, 0b10001000, 0b11000110, 0b11111010], 3, decoded, "test");
        Assert.That(decoded, Is.EqualTo(Enumerable.Range(0, 8).ToArray()));
        RleHybridDecoder.DecodeBitPackedMsb([0b00000101, 0b00111001, 0b01110111], 3, decoded, "test");
        Assert.That(decoded, Is.EqualTo(Enumerable.Range(0, 8).ToArray()));
        var encoded = new ArrayBufferWriter<byte>();
        RleHybridEncoder.Encode(Enumerable.Range(0, 8).ToArray(), 3, encoded);
        Assert.That(encoded.WrittenSpan.ToArray(), Is.EqualTo(new byte[] { 0b11, 0b10001000, 0b11000110, 0b11111010 }));
    }

    [Test]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Compute([]), Is.EqualTo(0u));
    }

    [TestCase(ParquetCompression.Gzip)]
    [TestCase(ParquetCompression.Zstd)]
    [TestCase(ParquetCompression.Brotli)]
    [TestCase(ParquetCompression.Lz4Raw)]
    [TestCase(ParquetCompression.Snappy)]
    public void Page_codecs_round_trip_and_check_the_declared_size(ParquetCompression codec)
    {
        var data = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 31 % 253)).ToArray();
        var compressed = PageCompression.Compress(codec, data, 0);
        Assert.That(PageCompression.Decompress(codec, compressed, data.Length, "page"), Is.EqualTo(data));
        Assert.Throws<ParquetException>(() => PageCompression.Decompress(codec, compressed, data.Length + 1, "page"));
    }
}
