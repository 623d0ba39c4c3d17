using System.Text.Json;

namespace R2ec.Training.Checkpoints;

/// <summary>
/// Whether a checkpoint can be resumed under the current configuration: the keys that fix the shape of the weights, the
/// tokenizer and the samples (every <c>Model</c> key, the dataset, its history window and the tokenizer's vocabulary)
/// must be those the checkpoint was written with. Other keys (stage lengths, logging, threads, cluster) may change
/// between invocations.
/// </summary>
public static class CheckpointCompatibility
{
    private static readonly string[] DataKeys = ["Dataset", "SyntheticSeed", "SyntheticUsers", "SyntheticItems", "HistoryWindow"];

    /// <summary>
    /// The first key, as <c>Section:Key</c>, whose value differs between the two configurations (the JSON of
    /// <c>JobConfiguration.ToJson</c>), with both values; null when the checkpoint fits.
    /// </summary>
    public static (string Key, string Checkpoint, string Current)? FirstMismatch(string checkpointConfigJson, string currentConfigJson)
    {
        using var checkpoint = JsonDocument.Parse(checkpointConfigJson);
        using var current = JsonDocument.Parse(currentConfigJson);
        var keys = Keys(current.RootElement, "Model")
            .Concat(DataKeys.Select(k => ("Data", k)))
            .Append(("Stages", "TokenizerVocabulary"));
        foreach (var (section, key) in keys)
        {
            var was = Value(checkpoint.RootElement, section, key);
            var now = Value(current.RootElement, section, key);
            if (was != now)
                return ($"{section}:{key}", was, now);
        }
        return null;
    }

    private static IEnumerable<(string Section, string Key)> Keys(JsonElement root, string section) =>
        root.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object
            ? s.EnumerateObject().Select(p => (section, p.Name)).ToList()
            : [];

    // The raw JSON text of the value ("(absent)" when missing), so 16 and 16.0 or "a" and null never compare equal by accident.
    private static string Value(JsonElement root, string section, string key) =>
        root.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(key, out var v)
            ? v.GetRawText()
            : "(absent)";
}
