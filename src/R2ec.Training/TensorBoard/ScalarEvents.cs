using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using Google.Protobuf;

namespace R2ec.Training.TensorBoard;

/// <summary>One scalar of one step.</summary>
/// <param name="Tag">The chart's name, <c>stage/field</c>.</param>
/// <param name="Step">The stage's step.</param>
/// <param name="Value">The value.</param>
public readonly record struct Scalar(string Tag, long Step, float Value);

/// <summary>
/// TensorBoard event files of step scalars: TFRecord framing (length, masked CRC-32C of the length, the serialized
/// <c>Event</c>, masked CRC-32C of the data) around TensorFlow's <c>Event</c>/<c>Summary</c> messages, so that
/// <c>tensorboard --logdir runs/&lt;name&gt;/tensorboard</c> shows the run. Needs no TensorFlow and no libtorch, so
/// both backends write them.
/// </summary>
public static class ScalarEvents
{
    private const uint MaskDelta = 0xa282ead8;

    /// <summary>
    /// Writes every number of a run's <c>metrics.jsonl</c> (one JSON object per step, with <c>stage</c> and
    /// <c>step</c>; nested objects such as RecPO's <c>metrics</c> flattened) as scalars <c>stage/field</c> into a new
    /// event file under <paramref name="directory"/>, and returns its path. The file is rebuilt from the whole
    /// metrics file each time, so a previous one of ours is replaced (a resumed run shows each step once).
    /// </summary>
    /// <exception cref="R2ec.Data.Datasets.DataFormatException">A line is not a JSON object with a stage and a step.</exception>
    public static string WriteFromMetrics(string metricsJsonl, string directory)
    {
        var scalars = new List<Scalar>();
        var number = 0;
        foreach (var line in File.ReadLines(metricsJsonl))
        {
            number++;
            if (line.Length == 0)
                continue;
            scalars.AddRange(FromMetricsLine(line, metricsJsonl, number));
        }
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.GetFiles(directory, "events.out.tfevents.*.r2ec"))
            File.Delete(old);
        var path = Path.Combine(directory, $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.r2ec");
        Write(path, scalars);
        return path;
    }

    /// <summary>The scalars of one <c>metrics.jsonl</c> line.</summary>
    /// <exception cref="R2ec.Data.Datasets.DataFormatException">The line is not a JSON object with a string stage and an integer step.</exception>
    public static IEnumerable<Scalar> FromMetricsLine(string line, string file, int lineNumber)
    {
        using var json = ParseLine(line, file, lineNumber);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("stage", out var stage) || stage.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("step", out var step) || !step.TryGetInt64(out var stepNumber))
            throw new R2ec.Data.Datasets.DataFormatException(file, lineNumber, null, "a metrics line must be a JSON object with a string 'stage' and an integer 'step'");
        var list = new List<Scalar>();
        Flatten(root, stage.GetString()!, stepNumber, list);
        return list;
    }

    /// <summary>Writes <paramref name="scalars"/> as one event file (a version record, then one event per scalar).</summary>
    public static void Write(string path, IEnumerable<Scalar> scalars)
    {
        using var stream = File.Create(path);
        var wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        WriteRecord(stream, new TbEvent { WallTime = wall, FileVersion = "brain.Event:2" }.ToByteArray());
        foreach (var s in scalars)
        {
            var summary = new TbSummary();
            summary.Value.Add(new TbSummary.Types.Value { Tag = s.Tag, SimpleValue = s.Value });
            WriteRecord(stream, new TbEvent { WallTime = wall, Step = s.Step, Summary = summary }.ToByteArray());
        }
    }

    /// <summary>Reads the scalars of an event file back, checking both checksums of every record.</summary>
    /// <exception cref="InvalidDataException">A record is truncated or a checksum does not match.</exception>
    public static List<Scalar> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var scalars = new List<Scalar>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 12)
                throw new InvalidDataException($"{path}: record at byte {offset} is truncated");
            var length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset));
            if (Masked(Crc32C(bytes.AsSpan(offset, 8))) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8)))
                throw new InvalidDataException($"{path}: length checksum of the record at byte {offset} does not match");
            if (length > (ulong)(bytes.Length - offset - 16))
                throw new InvalidDataException($"{path}: record at byte {offset} is truncated");
            var data = bytes.AsSpan(offset + 12, (int)length);
            if (Masked(Crc32C(data)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + (int)length)))
                throw new InvalidDataException($"{path}: data checksum of the record at byte {offset} does not match");
            var e = TbEvent.Parser.ParseFrom(data);
            if (e.WhatCase == TbEvent.WhatOneofCase.Summary)
                scalars.AddRange(e.Summary.Value.Select(v => new Scalar(v.Tag, e.Step, v.SimpleValue)));
            offset += 16 + (int)length;
        }
        return scalars;
    }

    /// <summary>CRC-32C (Castagnoli), as TFRecord uses.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    private static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    private static void WriteRecord(Stream stream, byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Masked(Crc32C(header[..8])));
        stream.Write(header);
        stream.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Masked(Crc32C(data)));
        stream.Write(footer);
    }

    private static JsonDocument ParseLine(string line, string file, int lineNumber)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new R2ec.Data.Datasets.DataFormatException(file, lineNumber, null, $"not JSON: {e.Message}");
        }
    }

    private static void Flatten(JsonElement element, string prefix, long step, List<Scalar> list)
    {
        foreach (var p in element.EnumerateObject())
        {
            if (p.NameEquals("stage") || p.NameEquals("step"))
                continue;
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Number:
                    list.Add(new Scalar($"{prefix}/{p.Name}", step, (float)p.Value.GetDouble()));
                    break;
                case JsonValueKind.String when double.TryParse(p.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                    list.Add(new Scalar($"{prefix}/{p.Name}", step, (float)parsed));
                    break;
                case JsonValueKind.Object:
                    Flatten(p.Value, prefix, step, list);
                    break;
            }
        }
    }
}
