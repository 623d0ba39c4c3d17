using System.Text.Json;
using R2ec.Tensors;
using R2ec.Tensors.SafeTensors;
using R2ec.Shared;

namespace R2ec.Model.Policy;

/// <summary>
/// The Hugging Face model-directory layout: <c>config.json</c>, weights in <c>model.safetensors</c> or in shards listed
/// by <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name → shard file), and <c>tokenizer.json</c>.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>Name of the configuration file.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Name of the single-file weights.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Name of the shard index of sharded weights.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Name of the tokenizer file.</summary>
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>
    /// Reads every tensor named in <paramref name="destinations"/> (HF name → float32 span of exactly its size) from the
    /// weights of <paramref name="directory"/>, single file or sharded; F16 and BF16 files are widened.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither weights layout is present.</exception>
    /// <exception cref="SafeTensorsException">A tensor is missing or has another shape; the message names file and tensor.</exception>
    internal static void ReadWeights(string directory, IReadOnlyList<(string Name, Tensor Destination)> destinations)
    {
        var files = ShardOf(directory);
        var open = new Dictionary<string, SafeTensorsFile>();
        try
        {
            foreach (var (name, destination) in destinations)
            {
                var path = files(name);
                if (!open.TryGetValue(path, out var file))
                    open[path] = file = SafeTensorsFile.Open(path);
                ReadInto(file, name, destination);
            }
        }
        finally
        {
            foreach (var f in open.Values)
                f.Dispose();
        }
    }

    /// <summary>Copies tensor <paramref name="name"/> of <paramref name="file"/> into <paramref name="destination"/>, checking the shape.</summary>
    internal static void ReadInto(SafeTensorsFile file, string name, Tensor destination)
    {
        if (!file.Contains(name))
            throw new SafeTensorsException(file.FilePath, $"tensor '{name}' is missing");
        var info = file.Info(name);
        if (!info.Shape.AsSpan().SequenceEqual(destination.Shape))
            throw new SafeTensorsException(file.FilePath, $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the config needs [{destination.ShapeText()}]");
        file.ReadInto(name, destination.Span);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as one <c>model.safetensors</c>, or, when their size exceeds
    /// <paramref name="maxShardBytes"/>, as shards <c>model-0000k-of-0000n.safetensors</c> plus the index; stale files of
    /// the other layout are removed after the new files are written, so a directory never ends up holding both.
    /// </summary>
    internal static void WriteWeights(string directory, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, long maxShardBytes)
    {
        Directory.CreateDirectory(directory);
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long size = 0, total = 0;
        foreach (var t in tensors)
        {
            var bytes = (long)t.Value.Length * sizeof(float);
            if (size > 0 && size + bytes > maxShardBytes)
            {
                shards.Add(new());
                size = 0;
            }
            shards[^1].Add(t);
            size += bytes;
            total += bytes;
        }
        var stale = Directory.GetFiles(directory, "model-*-of-*.safetensors").Select(Path.GetFileName).ToHashSet();
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shards.Count == 1)
        {
            SafeTensorsWriter.Write(Path.Combine(directory, WeightsFile), shards[0], metadata);
            File.Delete(Path.Combine(directory, IndexFile));
            DeleteAll(directory, stale);
            return;
        }
        var map = new List<(string Tensor, string File)>();
        for (var s = 0; s < shards.Count; s++)
        {
            var file = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensorsWriter.Write(Path.Combine(directory, file), shards[s], metadata);
            map.AddRange(shards[s].Select(t => (t.Key, file)));
            stale.Remove(file);
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteNumber("total_size", total);
            w.WriteEndObject();
            w.WriteStartObject("weight_map");
            foreach (var (tensor, file) in map)
                w.WriteString(tensor, file);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(Path.Combine(directory, IndexFile), buffer.ToArray());
        File.Delete(Path.Combine(directory, WeightsFile));
        DeleteAll(directory, stale);
    }

    // Files of an earlier save that the new layout does not use; removed only once the new files are in place.
    private static void DeleteAll(string directory, IEnumerable<string?> names)
    {
        foreach (var name in names)
            File.Delete(Path.Combine(directory, name!));
    }

    // Maps a tensor name to the file holding it.
    private static Func<string, string> ShardOf(string directory)
    {
        var index = Path.Combine(directory, IndexFile);
        if (!File.Exists(index))
        {
            var single = Path.Combine(directory, WeightsFile);
            if (!File.Exists(single))
                throw new FileNotFoundException($"{directory}: neither {WeightsFile} nor {IndexFile} is present", single);
            return _ => single;
        }
        var map = new Dictionary<string, string>();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{index}: weight_map is missing or not an object");
            foreach (var entry in weightMap.EnumerateObject())
            {
                var file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                if (file.Length == 0 || file != Path.GetFileName(file))
                    throw new FormatException($"{index}: weight_map.{entry.Name} must name a file in the same directory, got {entry.Value.GetRawText()}");
                map[entry.Name] = Path.Combine(directory, file);
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"{index}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        return name => map.TryGetValue(name, out var path)
            ? path
            : throw new SafeTensorsException(index, $"tensor '{name}' is not in weight_map");
    }
}
