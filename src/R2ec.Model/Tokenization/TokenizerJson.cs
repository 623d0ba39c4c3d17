using System.Text.Encodings.Web;
using System.Text.Json;
using R2ec.Shared;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Reads and writes Hugging Face <c>tokenizer.json</c> for byte-level BPE: model "BPE" (vocab, merges as "a b" strings or
/// [a, b] pairs), a pre-tokenizer of regex Splits ("Isolated") ending in ByteLevel, a ByteLevel decoder, added tokens,
/// and an optional NFC normalizer, which is the layout of Qwen2's and GPT-2's files. Anything else that would change
/// the ids (another model or pre-tokenizer type, lstrip, truncation, ...) is refused with the field's path named, so a
/// file is never half understood. Writing gives one canonical layout, so save → load → save is byte-identical.
/// </summary>
public static class TokenizerJson
{
    /// <summary>Reads a tokenizer.json file.</summary>
    /// <exception cref="FormatException">The file is not a byte-level BPE tokenizer.json; the message names the file and field.</exception>
    public static BpeTokenizer Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Reads tokenizer.json content; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="FormatException">The content is not a byte-level BPE tokenizer.json; the message names the field.</exception>
    public static BpeTokenizer Parse(ReadOnlySpan<byte> utf8Json, string source = "tokenizer.json")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        using (document)
        {
            var reader = new Reader(source);
            try
            {
                return reader.Tokenizer(document.RootElement);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{source}: {e.Message}", e);
            }
        }
    }

    /// <summary>Writes <paramref name="tokenizer"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Save(BpeTokenizer tokenizer, string path) => AtomicFile.WriteAllBytes(path, Serialize(tokenizer));

    /// <summary>The tokenizer.json bytes (UTF-8, indented) of <paramref name="tokenizer"/>.</summary>
    public static byte[] Serialize(BpeTokenizer tokenizer)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var token in tokenizer.AddedTokens)
            {
                w.WriteStartObject();
                w.WriteNumber("id", token.Id);
                w.WriteString("content", token.Content);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", token.Special);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (tokenizer.Normalization == TextNormalization.Nfc)
            {
                w.WriteStartObject("normalizer");
                w.WriteString("type", "NFC");
                w.WriteEndObject();
            }
            else w.WriteNull("normalizer");
            WritePreTokenizer(w, tokenizer.PreTokenizer);
            WriteByteLevel(w, "post_processor", useRegex: false);
            WriteByteLevel(w, "decoder", useRegex: false);
            WriteModel(w, tokenizer);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WritePreTokenizer(Utf8JsonWriter w, PreTokenizer pre)
    {
        if (pre.Patterns.Count == 0)
        {
            WriteByteLevel(w, "pre_tokenizer", pre.ByteLevelUseRegex);
            return;
        }
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        foreach (var pattern in pre.Patterns)
        {
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
        }
        WriteByteLevel(w, null, pre.ByteLevelUseRegex);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name, bool useRegex)
    {
        if (name is null) w.WriteStartObject();
        else w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, BpeTokenizer tokenizer)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", tokenizer.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in tokenizer.Vocab.OrderBy(p => p.Value)) w.WriteNumber(token, id);
        w.WriteEndObject();
        // "a b" strings are what every tokenizers version reads; a token holding a space (never byte-level) needs pairs.
        var asPairs = tokenizer.Merges.Any(m => m.Left.Contains(' ') || m.Right.Contains(' '));
        w.WriteStartArray("merges");
        foreach (var (left, right) in tokenizer.Merges)
        {
            if (!asPairs)
            {
                w.WriteStringValue(left + " " + right);
                continue;
            }
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Walks the document, naming each field by its JSON path when it is refused.</summary>
    private sealed class Reader(string source)
    {
        public BpeTokenizer Tokenizer(JsonElement root)
        {
            Expect(root, JsonValueKind.Object, "$");
            foreach (var name in (string[])["truncation", "padding"])
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
                    throw Fail(name, $"is set; {name} is not supported (only null)");
            }
            var added = AddedTokens(root);
            var normalization = Normalizer(root);
            var preTokenizer = PreTokenizerOf(root);
            ByteLevelOrNull(root, "post_processor", required: false);
            ByteLevelOrNull(root, "decoder", required: true);
            if (!root.TryGetProperty("model", out var model)) throw Fail("model", "is missing");
            Expect(model, JsonValueKind.Object, "model");
            var type = OptionalString(model, "type", "model.type");
            if (type is not null and not "BPE") throw Fail("model.type", $"is '{type}'; only 'BPE' is supported");
            if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind != JsonValueKind.Null)
                throw Fail("model.dropout", "is set; BPE dropout is not supported (only null)");
            foreach (var name in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
            {
                var value = OptionalString(model, name, "model." + name);
                if (!string.IsNullOrEmpty(value)) throw Fail("model." + name, $"is '{value}'; byte-level BPE needs it null or empty");
            }
            if (OptionalBool(model, "byte_fallback", "model.byte_fallback"))
                throw Fail("model.byte_fallback", "is true; byte-level BPE has no byte fallback");
            var ignoreMerges = OptionalBool(model, "ignore_merges", "model.ignore_merges");
            var vocab = Vocab(model);
            var merges = Merges(model);
            return new BpeTokenizer(vocab, merges, added, preTokenizer, normalization, ignoreMerges);
        }

        private List<AddedToken> AddedTokens(JsonElement root)
        {
            var tokens = new List<AddedToken>();
            if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind == JsonValueKind.Null) return tokens;
            Expect(array, JsonValueKind.Array, "added_tokens");
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var path = $"added_tokens[{i++}]";
                Expect(item, JsonValueKind.Object, path);
                var id = Int(item, "id", path + ".id");
                var content = OptionalString(item, "content", path + ".content") ?? throw Fail(path + ".content", "is missing");
                foreach (var flag in (string[])["single_word", "lstrip", "rstrip"])
                {
                    if (OptionalBool(item, flag, $"{path}.{flag}"))
                        throw Fail($"{path}.{flag}", $"is true for '{content}'; only false is supported");
                }
                tokens.Add(new AddedToken(id, content, OptionalBool(item, "special", path + ".special")));
            }
            return tokens;
        }

        private TextNormalization Normalizer(JsonElement root)
        {
            if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
                return TextNormalization.None;
            return NormalizerStep(normalizer, "normalizer");
        }

        private TextNormalization NormalizerStep(JsonElement step, string path)
        {
            Expect(step, JsonValueKind.Object, path);
            var type = OptionalString(step, "type", path + ".type");
            switch (type)
            {
                case "NFC":
                    return TextNormalization.Nfc;
                case "Sequence":
                    if (!step.TryGetProperty("normalizers", out var steps)) throw Fail(path + ".normalizers", "is missing");
                    Expect(steps, JsonValueKind.Array, path + ".normalizers");
                    var result = TextNormalization.None;
                    var i = 0;
                    foreach (var inner in steps.EnumerateArray())
                    {
                        if (NormalizerStep(inner, $"{path}.normalizers[{i++}]") == TextNormalization.Nfc) result = TextNormalization.Nfc;
                    }
                    return result;
                default:
                    throw Fail(path + ".type", $"is '{type}'; only 'NFC' or a 'Sequence' of them is supported");
            }
        }

        private PreTokenizer PreTokenizerOf(JsonElement root)
        {
            if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null)
                throw Fail("pre_tokenizer", "is missing; byte-level BPE needs a ByteLevel pre-tokenizer");
            Expect(pre, JsonValueKind.Object, "pre_tokenizer");
            var steps = new List<(JsonElement Step, string Path)>();
            if (OptionalString(pre, "type", "pre_tokenizer.type") == "Sequence")
            {
                if (!pre.TryGetProperty("pretokenizers", out var array)) throw Fail("pre_tokenizer.pretokenizers", "is missing");
                Expect(array, JsonValueKind.Array, "pre_tokenizer.pretokenizers");
                var i = 0;
                foreach (var step in array.EnumerateArray()) steps.Add((step, $"pre_tokenizer.pretokenizers[{i++}]"));
            }
            else steps.Add((pre, "pre_tokenizer"));

            var patterns = new List<string>();
            for (var i = 0; i < steps.Count; i++)
            {
                var (step, path) = steps[i];
                Expect(step, JsonValueKind.Object, path);
                var type = OptionalString(step, "type", path + ".type");
                if (type == "ByteLevel")
                {
                    if (i != steps.Count - 1) throw Fail(path, "is ByteLevel but not the last step; only Splits may precede it");
                    var useRegex = ByteLevelFlags(step, path);
                    return new PreTokenizer(patterns, useRegex);
                }
                if (type != "Split") throw Fail(path + ".type", $"is '{type}'; only 'Split' and 'ByteLevel' are supported");
                patterns.Add(SplitPattern(step, path));
            }
            throw Fail("pre_tokenizer", "has no ByteLevel step; only byte-level BPE is supported");
        }

        private string SplitPattern(JsonElement step, string path)
        {
            var behavior = OptionalString(step, "behavior", path + ".behavior");
            if (behavior != "Isolated") throw Fail(path + ".behavior", $"is '{behavior}'; only 'Isolated' is supported");
            if (OptionalBool(step, "invert", path + ".invert")) throw Fail(path + ".invert", "is true; only false is supported");
            if (!step.TryGetProperty("pattern", out var pattern)) throw Fail(path + ".pattern", "is missing");
            Expect(pattern, JsonValueKind.Object, path + ".pattern");
            if (OptionalString(pattern, "Regex", path + ".pattern.Regex") is { } regex) return regex;
            if (OptionalString(pattern, "String", path + ".pattern.String") is { } literal) return System.Text.RegularExpressions.Regex.Escape(literal);
            throw Fail(path + ".pattern", "has neither 'Regex' nor 'String'");
        }

        private void ByteLevelOrNull(JsonElement root, string name, bool required)
        {
            if (!root.TryGetProperty(name, out var step) || step.ValueKind == JsonValueKind.Null)
            {
                if (required) throw Fail(name, "is missing; byte-level BPE needs a ByteLevel " + name);
                return;
            }
            Expect(step, JsonValueKind.Object, name);
            var type = OptionalString(step, "type", name + ".type");
            if (type != "ByteLevel") throw Fail(name + ".type", $"is '{type}'; only 'ByteLevel' is supported");
        }

        /// <summary>Checks a ByteLevel pre-tokenizer's flags and returns its use_regex.</summary>
        private bool ByteLevelFlags(JsonElement step, string path)
        {
            if (OptionalBool(step, "add_prefix_space", path + ".add_prefix_space"))
                throw Fail(path + ".add_prefix_space", "is true; only false is supported");
            return !step.TryGetProperty("use_regex", out _) || OptionalBool(step, "use_regex", path + ".use_regex");
        }

        private Dictionary<string, int> Vocab(JsonElement model)
        {
            if (!model.TryGetProperty("vocab", out var vocab)) throw Fail("model.vocab", "is missing");
            Expect(vocab, JsonValueKind.Object, "model.vocab");
            var result = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in vocab.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id))
                    throw Fail($"model.vocab['{entry.Name}']", "is not an integer id");
                if (!result.TryAdd(entry.Name, id)) throw Fail($"model.vocab['{entry.Name}']", "appears twice");
            }
            return result;
        }

        private List<(string, string)> Merges(JsonElement model)
        {
            if (!model.TryGetProperty("merges", out var merges)) throw Fail("model.merges", "is missing");
            Expect(merges, JsonValueKind.Array, "model.merges");
            var result = new List<(string, string)>(merges.GetArrayLength());
            var i = 0;
            foreach (var merge in merges.EnumerateArray())
            {
                var path = $"model.merges[{i++}]";
                if (merge.ValueKind == JsonValueKind.String)
                {
                    var parts = merge.GetString()!.Split(' ');
                    if (parts.Length != 2) throw Fail(path, $"is '{merge.GetString()}'; a merge string is two tokens separated by one space");
                    result.Add((parts[0], parts[1]));
                }
                else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                         && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
                {
                    result.Add((merge[0].GetString()!, merge[1].GetString()!));
                }
                else throw Fail(path, "is neither an \"a b\" string nor an [a, b] pair of strings");
            }
            return result;
        }

        private int Int(JsonElement obj, string name, string path)
        {
            if (!obj.TryGetProperty(name, out var value)) throw Fail(path, "is missing");
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var result)) throw Fail(path, "is not an integer");
            return result;
        }

        private string? OptionalString(JsonElement obj, string name, string path)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw Fail(path, $"is a {value.ValueKind}, not a string");
            return value.GetString();
        }

        private bool OptionalBool(JsonElement obj, string name, string path)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return false;
            if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Fail(path, $"is a {value.ValueKind}, not a boolean");
            return value.GetBoolean();
        }

        private void Expect(JsonElement element, JsonValueKind kind, string path)
        {
            if (element.ValueKind != kind) throw Fail(path, $"is a {element.ValueKind}, expected {kind}");
        }

        private FormatException Fail(string path, string problem) => new($"{source}: field '{path}' {problem}");
    }
}
