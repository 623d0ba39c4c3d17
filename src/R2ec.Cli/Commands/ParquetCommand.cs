using System.Collections;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using R2ec.Data.Parquet;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec parquet schema|head|stats</c>: inspect Parquet files like parquet-tools, through our Parquet.Net layer
/// (the mutation sweep lives in the tests, the benchmark in tests/bench/ParquetBench).
/// </summary>
public static class ParquetCommand
{
    /// <summary>Builds the command and its subcommands.</summary>
    public static Command Create(GlobalOptions globals, TextWriter output)
    {
        var command = new Command("parquet", "inspect Parquet files");
        command.Subcommands.Add(Schema(globals, output));
        command.Subcommands.Add(Head(globals, output));
        command.Subcommands.Add(Stats(globals, output));
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
                ?? reader.Schema.Fields.ToArray();
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
                var type = leaf.Logical.Length == 0 ? leaf.PhysicalType : $"{leaf.PhysicalType}/{leaf.Logical}";
                var codecs = string.Join(",", chunks.Select(k => k.Codec).Distinct());
                var encodings = string.Join(",", chunks.SelectMany(k => k.Encodings).Distinct());
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
}
