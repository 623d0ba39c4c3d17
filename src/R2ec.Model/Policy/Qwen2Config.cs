using System.Text.Json;
using R2ec.Tensors.Nn;
using R2ec.Shared;

namespace R2ec.Model.Policy;

/// <summary>
/// The shape of a Qwen2 decoder as Hugging Face writes it in <c>config.json</c> (field names in the JSON are the
/// snake_case names given on each property). Options that would change the computation and that this model does not
/// implement (sliding-window attention, rope scaling, an activation other than SiLU) are refused by name on load.
/// </summary>
public sealed record Qwen2Config
{
    /// <summary><c>vocab_size</c>: rows of the embedding and of the LM head.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c>: model width d (also the size of user and item embeddings).</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: SwiGLU inner width.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>: decoder layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention; divides the query heads).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary><c>max_position_embeddings</c>: longest sequence (size of the rotary table).</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>rope_theta</c>: rotary base.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary><c>rms_norm_eps</c>: RMSNorm epsilon.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>tie_word_embeddings</c>: whether the LM head is the embedding matrix (no <c>lm_head.weight</c>).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>bos_token_id</c> (absent or null allowed).</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>; when the file holds a list (some Qwen2.5 files do), its first id.</summary>
    public int? EosTokenId { get; init; }

    /// <summary><c>pad_token_id</c>; also the filler of right-padded training batches (0 when absent).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Size of one attention head (<c>hidden_size / num_attention_heads</c>).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Fails with an <see cref="ArgumentException"/> naming the JSON field when the shape is inconsistent.</summary>
    public void Validate()
    {
        static void Positive(int value, string field)
        {
            if (value <= 0)
                throw new ArgumentException($"{field} must be positive, got {value}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ArgumentException($"num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"head size hidden_size/num_attention_heads = {HeadDim} must be even for rotary embeddings");
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
            throw new ArgumentException($"rope_theta must be positive and finite, got {RopeTheta}");
        if (!(RmsNormEps > 0) || RmsNormEps >= 1)
            throw new ArgumentException($"rms_norm_eps must be in (0, 1), got {RmsNormEps}");
        foreach (var (id, field) in new[] { (BosTokenId, "bos_token_id"), (EosTokenId, "eos_token_id"), (PadTokenId, "pad_token_id") })
        {
            if (id is { } v && (v < 0 || v >= VocabSize))
                throw new ArgumentException($"{field} {v} is outside the vocabulary [0, {VocabSize})");
        }
    }

    /// <summary>The engine's shape of the same decoder (QKV bias on, as in Qwen2).</summary>
    public TransformerConfig ToTransformerConfig() => new(VocabSize, HiddenSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads,
        IntermediateSize, (float)RmsNormEps, RopeTheta, MaxPositionEmbeddings, QkvBias: true);

    /// <summary>Reads and validates a <c>config.json</c>.</summary>
    /// <exception cref="FormatException">The file is not a usable Qwen2 config; the message names the file and field.</exception>
    public static Qwen2Config Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses and validates <c>config.json</c> content; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="FormatException">The content is not a usable Qwen2 config; the message names the field.</exception>
    public static Qwen2Config Parse(ReadOnlySpan<byte> utf8Json, string source = "config.json")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{source}: the top level is not a JSON object");
            try
            {
                Refuse(root);
                var config = new Qwen2Config
                {
                    VocabSize = RequiredInt(root, "vocab_size"),
                    HiddenSize = RequiredInt(root, "hidden_size"),
                    IntermediateSize = RequiredInt(root, "intermediate_size"),
                    NumHiddenLayers = RequiredInt(root, "num_hidden_layers"),
                    NumAttentionHeads = RequiredInt(root, "num_attention_heads"),
                    NumKeyValueHeads = OptionalInt(root, "num_key_value_heads") ?? RequiredInt(root, "num_attention_heads"),
                    MaxPositionEmbeddings = OptionalInt(root, "max_position_embeddings") ?? 2048,
                    RopeTheta = OptionalDouble(root, "rope_theta") ?? 10000,
                    RmsNormEps = OptionalDouble(root, "rms_norm_eps") ?? 1e-6,
                    TieWordEmbeddings = OptionalBool(root, "tie_word_embeddings") ?? true,
                    BosTokenId = OptionalInt(root, "bos_token_id"),
                    EosTokenId = OptionalInt(root, "eos_token_id", firstOfList: true),
                    PadTokenId = OptionalInt(root, "pad_token_id"),
                };
                config.Validate();
                return config;
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{source}: {e.Message}", e);
            }
        }
    }

    /// <summary>The <c>config.json</c> content: the Hugging Face fields of a <c>Qwen2ForCausalLM</c> in a fixed order.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue("Qwen2ForCausalLM");
            w.WriteEndArray();
            w.WriteString("model_type", "qwen2");
            w.WriteString("hidden_act", "silu");
            w.WriteString("torch_dtype", "float32");
            w.WriteNumber("vocab_size", VocabSize);
            w.WriteNumber("hidden_size", HiddenSize);
            w.WriteNumber("intermediate_size", IntermediateSize);
            w.WriteNumber("num_hidden_layers", NumHiddenLayers);
            w.WriteNumber("num_attention_heads", NumAttentionHeads);
            w.WriteNumber("num_key_value_heads", NumKeyValueHeads);
            w.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            w.WriteNumber("rope_theta", RopeTheta);
            w.WriteNumber("rms_norm_eps", RmsNormEps);
            w.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            w.WriteBoolean("use_sliding_window", false);
            WriteId(w, "bos_token_id", BosTokenId);
            WriteId(w, "eos_token_id", EosTokenId);
            WriteId(w, "pad_token_id", PadTokenId);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Writes <c>config.json</c> to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToJson());

    private static void WriteId(Utf8JsonWriter w, string name, int? id)
    {
        if (id is { } v)
            w.WriteNumber(name, v);
        else
            w.WriteNull(name);
    }

    private static void Refuse(JsonElement root)
    {
        if (root.TryGetProperty("hidden_act", out var act) && act.ValueKind == JsonValueKind.String && act.GetString() != "silu")
            throw new ArgumentException($"hidden_act '{act.GetString()}' is not supported (only silu)");
        if (root.TryGetProperty("use_sliding_window", out var sw) && sw.ValueKind == JsonValueKind.True)
            throw new ArgumentException("use_sliding_window true is not supported (full causal attention only)");
        if (root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind != JsonValueKind.Null)
            throw new ArgumentException("rope_scaling is not supported (plain rotary embeddings only)");
    }

    private static int RequiredInt(JsonElement root, string name) =>
        OptionalInt(root, name) ?? throw new ArgumentException($"{name} is missing");

    private static int? OptionalInt(JsonElement root, string name, bool firstOfList = false)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        if (firstOfList && e.ValueKind == JsonValueKind.Array)
        {
            if (e.GetArrayLength() == 0)
                return null;
            e = e[0];
        }
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var v))
            throw new ArgumentException($"{name} must be an integer, got {e.GetRawText()}");
        return v;
    }

    private static double? OptionalDouble(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        if (e.ValueKind != JsonValueKind.Number)
            throw new ArgumentException($"{name} must be a number, got {e.GetRawText()}");
        return e.GetDouble();
    }

    private static bool? OptionalBool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ArgumentException($"{name} must be true or false, got {e.GetRawText()}"),
        };
    }
}
