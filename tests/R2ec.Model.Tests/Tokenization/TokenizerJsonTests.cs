using System.Text;
using System.Text.Json;
using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class TokenizerJsonTests
{
    private const int EndOfText = 260, ImStart = 261, ImEnd = 262;

    /// <summary>
    /// A tokenizer.json laid out exactly as Qwen2's (field order, flags, merges as strings, added tokens after the
    /// vocabulary) over the tiny vocabulary: bytes 0-255, then Ġt, he, Ġthe, aa.
    /// </summary>
    private static string Qwen2Layout(bool mergesAsPairs = false)
    {
        var vocab = string.Join(",\n      ", TinyTokenizer.Vocab().OrderBy(p => p.Value).Select(p => $"{Json(p.Key)}: {p.Value}"));
        var merges = string.Join(",\n      ", TinyTokenizer.Merges.Select(m => mergesAsPairs
            ? $"[{Json(m.Left)}, {Json(m.Right)}]"
            : Json(m.Left + " " + m.Right)));
        var regex = Json(PreTokenizer.Qwen2Pattern);
        return $$"""
        {
          "version": "1.0",
          "truncation": null,
          "padding": null,
          "added_tokens": [
            {"id": 260, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 261, "content": "<|im_start|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 262, "content": "<|im_end|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
          ],
          "normalizer": {"type": "NFC"},
          "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": {{regex}}}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}
            ]
          },
          "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
          "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
          "model": {
            "type": "BPE",
            "dropout": null,
            "unk_token": null,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": false,
            "byte_fallback": false,
            "vocab": {
              {{vocab}}
            },
            "merges": [
              {{merges}}
            ]
          }
        }
        """;
    }

    private static string Json(string value)
        => JsonSerializer.Serialize(value, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static BpeTokenizer Parse(string json) => TokenizerJson.Parse(Encoding.UTF8.GetBytes(json), "qwen2/tokenizer.json");

    [TestCase(false)]
    [TestCase(true)]
    public void Qwen2LayoutLoadsAndEncodesAsWorkedOutByHand(bool mergesAsPairs)
    {
        var tokenizer = Parse(Qwen2Layout(mergesAsPairs));
        var ids = tokenizer.Encode("<|im_start|>user\nthe theme aaa<|im_end|>");
        // "user" has no merges; "\n" is its own word; "the" → t·he; " theme" → Ġthe·m·e; " aaa" → Ġ·aa·a.
        int[] expected = [ImStart, 'u', 's', 'e', 'r', '\n', 't', TinyTokenizer.He, TinyTokenizer.GThe, 'm', 'e', ' ', TinyTokenizer.Aa, 'a', ImEnd];
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.EqualTo(expected));
            Assert.That(tokenizer.Normalization, Is.EqualTo(TextNormalization.Nfc));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(263));
            Assert.That(tokenizer.SpecialTokenId(SpecialTokens.EndOfText), Is.EqualTo(EndOfText));
            Assert.That(tokenizer.PreTokenizer.Patterns, Is.EqualTo(new[] { PreTokenizer.Qwen2Pattern }));
            Assert.That(tokenizer.Decode(ids, skipSpecial: true), Is.EqualTo("user\nthe theme aaa"));
        });
    }

    [Test]
    public void LoadedQwen2TokenizerTakesR2ecsAnswerTokensAfterItsOwn()
    {
        var tokenizer = Parse(Qwen2Layout()).WithAddedTokens([SpecialTokens.ImEnd, SpecialTokens.Answer, SpecialTokens.AnswerEnd]);
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.SpecialTokenId(SpecialTokens.ImEnd), Is.EqualTo(ImEnd));
            Assert.That(tokenizer.SpecialTokenId(SpecialTokens.Answer), Is.EqualTo(263));
            Assert.That(tokenizer.SpecialTokenId(SpecialTokens.AnswerEnd), Is.EqualTo(264));
            Assert.That(tokenizer.Encode("the<answer>"), Is.EqualTo(new[] { 't', TinyTokenizer.He, 263 }));
            Assert.That(TokenizerJson.Parse(TokenizerJson.Serialize(tokenizer)).SpecialTokenId(SpecialTokens.AnswerEnd), Is.EqualTo(264));
        });
    }

    [Test]
    public void SaveLoadSaveOfATrainedTokenizerIsByteIdentical()
    {
        var trained = BpeTrainer.Train(MovieLensTitles.All, 2048, SpecialTokens.All);
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            TokenizerJson.Save(trained, path);
            var first = File.ReadAllBytes(path);
            var loaded = TokenizerJson.Load(path);
            var titles = MovieLensTitles.All;
            Assert.Multiple(() =>
            {
                Assert.That(TokenizerJson.Serialize(loaded), Is.EqualTo(first));
                Assert.That(loaded.Merges, Is.EqualTo(trained.Merges));
                Assert.That(loaded.AddedTokens, Is.EqualTo(trained.AddedTokens));
                Assert.That(titles.Where(t => !loaded.Encode(t).SequenceEqual(trained.Encode(t))), Is.Empty);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Qwen2LayoutSurvivesSaveAndLoad()
    {
        var original = Parse(Qwen2Layout());
        var saved = TokenizerJson.Serialize(original);
        var reloaded = TokenizerJson.Parse(saved);
        const string text = "<|im_start|>the théme aaa\r\n  <|endoftext|>";
        Assert.Multiple(() =>
        {
            Assert.That(TokenizerJson.Serialize(reloaded), Is.EqualTo(saved));
            Assert.That(reloaded.Encode(text), Is.EqualTo(original.Encode(text)));
            Assert.That(reloaded.Normalization, Is.EqualTo(TextNormalization.Nfc));
        });
    }

    [TestCase("\"type\": \"BPE\"", "\"type\": \"Unigram\"", "'model.type'")]
    [TestCase("\"behavior\": \"Isolated\"", "\"behavior\": \"Removed\"", "'pre_tokenizer.pretokenizers[0].behavior'")]
    [TestCase("\"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true},\n    {\"id\": 262",
        "\"lstrip\": true, \"rstrip\": false, \"normalized\": false, \"special\": true},\n    {\"id\": 262", "'added_tokens[1].lstrip'")]
    [TestCase("\"normalizer\": {\"type\": \"NFC\"}", "\"normalizer\": {\"type\": \"NFKD\"}", "'normalizer.type'")]
    [TestCase("\"decoder\": {\"type\": \"ByteLevel\"", "\"decoder\": {\"type\": \"Metaspace\"", "'decoder.type'")]
    [TestCase("\"truncation\": null", "\"truncation\": {\"max_length\": 8}", "'truncation'")]
    [TestCase("\"Ġt he\"", "\"Ġthe\"", "'model.merges[2]'")]
    public void UnsupportedOrBrokenFieldsAreRefusedByName(string find, string replace, string field)
    {
        var json = Qwen2Layout();
        Assert.That(json, Does.Contain(find), "the test edits a field the layout has");
        var e = Assert.Throws<FormatException>(() => Parse(json.Replace(find, replace)));
        Assert.That(e!.Message, Does.StartWith("qwen2/tokenizer.json: field " + field));
    }

    [Test]
    public void Gpt2LayoutWithARegexInTheByteLevelStepLoads()
    {
        var gpt2 = Qwen2Layout().Replace(
            Qwen2Layout()[Qwen2Layout().IndexOf("\"pre_tokenizer\"")..Qwen2Layout().IndexOf("\"post_processor\"")],
            "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n  ");
        var tokenizer = Parse(gpt2);
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.PreTokenizer.Patterns, Is.Empty);
            Assert.That(tokenizer.PreTokenizer.ByteLevelUseRegex, Is.True);
            Assert.That(tokenizer.Encode("the 12"), Is.EqualTo(new[] { 't', TinyTokenizer.He, ' ', '1', '2' }));
            Assert.That(TokenizerJson.Parse(TokenizerJson.Serialize(tokenizer)).PreTokenizer.ByteLevelUseRegex, Is.True);
        });
    }

    [Test]
    public void InvalidJsonNamesTheSourceAndLine()
    {
        var e = Assert.Throws<FormatException>(() => Parse("{\n  \"model\": [\n"));
        Assert.That(e!.Message, Does.StartWith("qwen2/tokenizer.json: not valid JSON (line"));
    }
}
