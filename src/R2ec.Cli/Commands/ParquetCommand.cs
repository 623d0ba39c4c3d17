using System.Collections;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using R2ec.Data.Parquet;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec parquet schema|head|stats|fuzz|bench</c>: inspect Parquet files like parquet-tools, sweep the reader with
/// mutated files, and measure the codec on a dataset-shaped table.
/// </summary>
public static class ParquetCommand
{
    /// <summary>Builds the command and its subcommands.</summary>
    public static Command Create(GlobalOptions globals, TextWriter output)
    {
        var command = new Command("parquet", "inspect Parquet files, sweep the reader with mutated files, benchmark the codec");
        command.Subcommands.Add(Schema(globals, output));
        command.Subcommands.Add(Head(globals, output));
        command.Subcommands.Add(Stats(globals, output));
        command.Subcommands.Add(Fuzz(globals, output));
        command.Subcommands.Add(Bench(globals, output));
        return command;
    }

    private static Argument<FileInfo> FileArgument() => new("FILE") { Description = "a Parquet file" };

    // Bad input (a missing, malformed or unsupported file) is a usage error: exit 2 with the reader's message.
    private static int Guarded(ParseResult parse, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ParquetException or IOException or UnauthorizedAccessException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"r2ec: {e.Message}");
            return CliApp.ExitUsage;
        }
    }

    private static Command Schema(GlobalOptions globals, TextWriter output)
    {
        var file = FileArgument();
        var command = new Command("schema", "print a file's schema, row count, row groups and key-value metadata") { file };
        command.SetAction(parse => Guarded(parse, () =>
        {
            globals.Start(parse);
            var path = parse.GetValue(file)!.FullName;
            using var reader = ParquetFileReader.Open(path);
            output.WriteLine(reader.Schema.ToString());
            output.WriteLine($"rows: {reader.RowCount}");
            output.WriteLine($"row groups: {reader.RowGroupCount}");
            output.WriteLine($"created by: {reader.CreatedBy ?? "(not stated)"}");
            foreach (var (key, value) in reader.Metadata)
                output.WriteLine($"metadata {key}: {Shorten(value ?? "(no value)", 200)}");
            return 0;
        }));
        return command;
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + $"… ({s.Length} chars)";

    private static Command Head(GlobalOptions globals, TextWriter output)
    {
        var file = FileArgument();
        var rows = new Option<int>("--rows") { Description = "how many rows (default 10)", DefaultValueFactory = _ => 10 };
        var columns = new Option<string?>("--columns") { Description = "comma-separated top-level columns (default: all)" };
        var command = new Command("head", "print the first rows as JSON lines") { file, rows, columns };
        command.SetAction(parse => Guarded(parse, () =>
        {
            globals.Start(parse);
            var count = parse.GetValue(rows);
            if (count < 0)
                throw new ParquetException($"--rows must be 0 or more, not {count}");
            using var reader = ParquetFileReader.Open(parse.GetValue(file)!.FullName);
            var names = parse.GetValue(columns)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                ?? reader.Schema.Fields.Select(f => f.Name).ToArray();
            foreach (var row in reader.ReadRows(names).Take(count))
                output.WriteLine(JsonRow(names, row));
            return 0;
        }));
        return command;
    }

    /// <summary>One row as a JSON object; lists are arrays, structs objects, maps arrays of key/value objects.</summary>
    public static string JsonRow(IReadOnlyList<string> names, object?[] row)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            for (var i = 0; i < names.Count; i++)
            {
                json.WritePropertyName(names[i]);
                WriteJson(json, row[i]);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case uint u: json.WriteNumberValue(u); break;
            case long l: json.WriteNumberValue(l); break;
            case ulong ul: json.WriteNumberValue(ul); break;
            case decimal d: json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case Half h when Half.IsFinite(h): json.WriteNumberValue((float)h); break;
            case float or double or Half: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case DateTime t: json.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture)); break;
            case DateOnly d: json.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case TimeOnly t: json.WriteStringValue(t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
            case ParquetInt96 t: json.WriteStringValue(t.ToString()); break;
            case byte[] bytes: json.WriteBase64StringValue(bytes); break;
            case Dictionary<string, object?> record:
                json.WriteStartObject();
                foreach (var (k, v) in record)
                {
                    json.WritePropertyName(k);
                    WriteJson(json, v);
                }
                json.WriteEndObject();
                break;
            case List<KeyValuePair<object?, object?>> map:
                json.WriteStartArray();
                foreach (var (k, v) in map)
                {
                    json.WriteStartObject();
                    json.WritePropertyName("key");
                    WriteJson(json, k);
                    json.WritePropertyName("value");
                    WriteJson(json, v);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list) WriteJson(json, item);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static Command Stats(GlobalOptions globals, TextWriter output)
    {
        var file = FileArgument();
        var command = new Command("stats", "print row count, row groups and per-column codecs, encodings, sizes, nulls, min and max") { file };
        command.SetAction(parse => Guarded(parse, () =>
        {
            globals.Start(parse);
            using var reader = ParquetFileReader.Open(parse.GetValue(file)!.FullName);
            output.WriteLine($"rows {reader.RowCount}, row groups {reader.RowGroupCount}, file {parse.GetValue(file)!.Length:N0} bytes, created by {reader.CreatedBy ?? "(not stated)"}");
            var perGroup = Enumerable.Range(0, reader.RowGroupCount).Select(reader.RowGroupColumns).ToList();
            output.WriteLine($"{"column",-32} {"type",-20} {"codecs",-14} {"encodings",-40} {"values",12} {"compressed",14} {"uncompressed",14} {"nulls",10}  min / max");
            for (var c = 0; c < reader.Schema.Leaves.Count; c++)
            {
                var chunks = perGroup.Select(g => g[c]).ToList();
                var leaf = reader.Schema.Leaves[c];
                var type = leaf.Logical.Kind == LogicalKind.None ? leaf.PhysicalType.ToString() : $"{leaf.PhysicalType}/{leaf.Logical.Kind}";
                var codecs = string.Join(",", chunks.Select(k => SpecName(k.Codec)).Distinct());
                var encodings = string.Join(",", chunks.SelectMany(k => k.Encodings).Distinct().Select(e => SpecName(e)));
                var nulls = chunks.All(k => k.NullCount.HasValue) ? chunks.Sum(k => k.NullCount!.Value).ToString("N0", CultureInfo.InvariantCulture) : "-";
                var min = chunks.Count == 1 ? chunks[0].Min : null;
                var max = chunks.Count == 1 ? chunks[0].Max : null;
                var range = chunks.Count == 1 && min is not null ? $"{Shorten(min, 24)} / {Shorten(max ?? "", 24)}" : chunks.Count > 1 ? "(per row group)" : "-";
                output.WriteLine($"{Shorten(leaf.Path, 32),-32} {type,-20} {codecs,-14} {encodings,-40} {chunks.Sum(k => k.NumValues),12:N0} {chunks.Sum(k => k.CompressedBytes),14:N0} {chunks.Sum(k => k.UncompressedBytes),14:N0} {nulls,10}  {range}");
            }
            return 0;
        }));
        return command;
    }

    // The format's own spelling: RleDictionary -> RLE_DICTIONARY, Lz4Raw -> LZ4_RAW.
    private static string SpecName(Enum value) =>
        string.Concat(value.ToString().Select((ch, i) => i > 0 && char.IsUpper(ch) ? "_" + ch : ch.ToString())).ToUpperInvariant();

    private static Command Fuzz(GlobalOptions globals, TextWriter output)
    {
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "folder of seed .parquet files (default: ../shared/parquet-testing beside the repository or the working directory)" };
        var mutations = new Option<int>("--mutations") { Description = "how many mutated files to read (default 100000)", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "sweep seed; mutation i depends only on (seed, i)", DefaultValueFactory = _ => 1 };
        var maxSize = new Option<long>("--max-size") { Description = "skip seed files larger than this many bytes (default: none)", DefaultValueFactory = _ => long.MaxValue };
        var command = new Command("fuzz", "read seeded mutations of Parquet files; every failure must be a ParquetException") { dir, mutations, seed, maxSize };
        command.SetAction(parse => Guarded(parse, () =>
        {
            globals.Start(parse);
            var folder = parse.GetValue(dir)?.FullName ?? FindSharedCorpus();
            var seeds = Directory.GetFiles(folder, "*.parquet").Where(f => new FileInfo(f).Length <= parse.GetValue(maxSize)).Order()
                .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
            if (seeds.Count == 0)
                throw new ParquetException($"no .parquet seed files in '{folder}'");
            var watch = Stopwatch.StartNew();
            var result = ParquetMutationSweep.Run(seeds, parse.GetValue(mutations), parse.GetValue(seed), progress: n =>
            {
                if (n % 10_000 == 0) Serilog.Log.Information("fuzz: {Done} mutations read", n);
            });
            output.WriteLine($"seed files    {seeds.Count} from {folder}");
            output.WriteLine($"mutations     {result.Mutations} in {watch.Elapsed.TotalSeconds:F1} s");
            output.WriteLine($"rejected      {result.Rejected} (ParquetException)");
            output.WriteLine($"accepted      {result.Accepted} (still a readable file)");
            output.WriteLine($"backstopped   {result.Backstopped} (caught by the last-resort handler: a missing check)");
            output.WriteLine($"crashes       {result.Crashes}");
            output.WriteLine($"slowest       {result.SlowestMilliseconds:F1} ms ({result.SlowestCase})");
            output.WriteLine($"most alloc    {result.MostAllocatedBytes:N0} bytes for one file");
            foreach (var sample in result.CrashSamples.Concat(result.BackstopSamples))
                output.WriteLine(sample);
            return result.Crashes == 0 && result.Backstopped == 0 ? 0 : CliApp.ExitFailure;
        }));
        return command;
    }

    private static string FindSharedCorpus()
    {
        for (var d = new DirectoryInfo(Environment.CurrentDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "..", "shared", "parquet-testing");
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            candidate = Path.Combine(d.FullName, "shared", "parquet-testing");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new ParquetException("no ../shared/parquet-testing found above the working directory; pass --dir");
    }

    private static Command Bench(GlobalOptions globals, TextWriter output)
    {
        var rows = new Option<int>("--rows") { Description = "rows of the dataset-shaped table (default 1000000)", DefaultValueFactory = _ => 1_000_000 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "where to write the file (default: the temp folder)" };
        var compression = new Option<ParquetCompression>("--compression") { Description = "codec (default Snappy)", DefaultValueFactory = _ => ParquetCompression.Snappy };
        var repeats = new Option<int>("--repeats") { Description = "timed runs; the best is reported (default 3)", DefaultValueFactory = _ => 3 };
        var command = new Command("bench", "write and read a dataset-shaped table (ids, timestamp, rating, title, 20-item history) and report throughput") { rows, dir, compression, repeats };
        command.SetAction(parse => Guarded(parse, () =>
        {
            globals.Start(parse);
            var n = parse.GetValue(rows);
            var table = ParquetBenchTable.Create(n, seed: 42);
            var logicalBytes = ParquetBenchTable.LogicalBytes(table);
            var path = Path.Combine(parse.GetValue(dir)?.FullName ?? Path.GetTempPath(), $"r2ec-bench-{Environment.ProcessId}.parquet");
            var options = new ParquetWriteOptions { Compression = parse.GetValue(compression) };
            double bestWrite = double.MaxValue, bestRead = double.MaxValue;
            try
            {
                for (var r = 0; r < Math.Max(1, parse.GetValue(repeats)); r++)
                {
                    var w = Stopwatch.StartNew();
                    ParquetFileWriter.Write(path, table, options);
                    bestWrite = Math.Min(bestWrite, w.Elapsed.TotalSeconds);
                    var rd = Stopwatch.StartNew();
                    using (var reader = ParquetFileReader.Open(path))
                    {
                        var back = reader.ReadTable();
                        if (back.RowCount != n)
                            throw new ParquetException($"bench read back {back.RowCount} rows, wrote {n}");
                    }
                    bestRead = Math.Min(bestRead, rd.Elapsed.TotalSeconds);
                }
                var fileBytes = new FileInfo(path).Length;
                using var info = ParquetFileReader.Open(path);
                output.WriteLine($"rows          {n:N0} (user_id, item_id int32; timestamp; rating float; title string; history list<int32> x20)");
                output.WriteLine($"codec         {options.Compression}, row groups {info.RowGroupCount}, file {fileBytes / 1e6:F1} MB, data {logicalBytes / 1e6:F1} MB uncompressed");
                output.WriteLine($"write         {bestWrite:F2} s  {logicalBytes / 1e6 / bestWrite:F0} MB/s  {n / bestWrite / 1e6:F2} M rows/s");
                output.WriteLine($"read          {bestRead:F2} s  {logicalBytes / 1e6 / bestRead:F0} MB/s  {n / bestRead / 1e6:F2} M rows/s");
                return 0;
            }
            finally
            {
                File.Delete(path);
            }
        }));
        return command;
    }
}
