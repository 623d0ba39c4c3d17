using System.Globalization;
using System.Text;
using R2ec.Model.Tokenization;
using R2ec.TestSupport;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace R2ec.Model.Tests.Tokenization;

/// <summary>
/// Our encoder against Hugging Face's own (the Rust tokenizers library through Tokenizers.DotNet) on the real Qwen
/// tokenizer of ../shared: NFC, the Qwen split regex, byte-level BPE over pair-array merges and 26 added tokens. Every
/// string must give exactly the same ids.
/// </summary>
public sealed class QwenTokenizerParityTests
{
    private static string TokenizerPath => RepoPaths.SharedFile("tokenizers", "qwen3", "tokenizer.json");

    [Test]
    public void Over_ten_thousand_strings_encode_to_exactly_hugging_faces_ids()
    {
        var ours = TokenizerJson.Load(TokenizerPath);
        using var oracle = new HfTokenizer(TokenizerPath);
        var strings = Corpus(ours);
        Assert.That(strings, Has.Count.GreaterThanOrEqualTo(10_000));

        var mismatches = new List<string>();
        foreach (var text in strings)
        {
            var expected = oracle.Encode(text).Select(id => (int)id).ToArray();
            var actual = ours.Encode(text);
            if (!actual.SequenceEqual(expected) && mismatches.Count < 10)
                mismatches.Add($"{Escape(text)}: ours [{string.Join(",", actual)}], HF [{string.Join(",", expected)}]");
        }
        TestContext.Out.WriteLine($"{strings.Count} strings compared");
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void The_oracle_is_the_real_qwen_tokenizer_with_its_added_tokens()
    {
        using var oracle = new HfTokenizer(TokenizerPath);
        var ours = TokenizerJson.Load(TokenizerPath);
        Assert.Multiple(() =>
        {
            Assert.That(ours.AddedTokens, Has.Count.EqualTo(26));
            Assert.That(oracle.Encode("<|im_start|>"), Is.EqualTo(new uint[] { 151644 }));
            Assert.That(ours.Encode("<|im_start|>"), Is.EqualTo(new[] { 151644 }));
        });
    }

    /// <summary>MovieLens titles and tags, the Amazon reader's fixtures, a Unicode stress set and the added tokens in context.</summary>
    private static List<string> Corpus(BpeTokenizer ours)
    {
        var strings = new List<string>(MovieLensTitles.All);
        strings.AddRange(MovieLensTags());
        strings.AddRange(AmazonFixtures());
        strings.AddRange(UnicodeStress());
        foreach (var added in ours.AddedTokens)
        {
            strings.Add(added.Content);
            strings.Add($"before{added.Content}after");
            strings.Add($" {added.Content} spaced \n{added.Content}\n");
            strings.Add($"{added.Content}{added.Content}Ünïcödé {added.Content}");
        }
        return strings;
    }

    private static IEnumerable<string> MovieLensTags()
    {
        var path = RepoPaths.SharedFile("datasets", "movielens-latest-small", "tags.csv");
        // userId,movieId,tag,timestamp: the tag is the third field; quoted tags hold commas.
        foreach (var line in File.ReadLines(path, Encoding.UTF8).Skip(1))
        {
            var first = line.IndexOf(',', StringComparison.Ordinal);
            var second = line.IndexOf(',', first + 1);
            var last = line.LastIndexOf(',');
            var tag = line[(second + 1)..last];
            yield return tag.StartsWith('"') ? tag[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : tag;
        }
    }

    private static IEnumerable<string> AmazonFixtures()
    {
        // The Amazon Reviews 2023 lines the data tests feed the reader (JSON with HTML entities, prices, nulls), each line whole.
        foreach (var file in new[] { "Amazon2023ReaderTests.cs", "DatasetInputsTests.cs" })
        {
            var path = Path.Combine(RepoPaths.Root, "tests", "R2ec.Data.Tests", "Datasets", file);
            foreach (var line in File.ReadLines(path))
            {
                var trimmed = line.Trim();
                if (trimmed.Length > 0)
                    yield return trimmed;
            }
        }
    }

    /// <summary>
    /// Combining marks (composed and decomposed, so NFC matters), emoji with ZWJ sequences, skin tones and flags, CJK,
    /// Hangul jamo, RTL scripts, whitespace runs of every kind, contractions, digits and punctuation runs.
    /// </summary>
    private static IEnumerable<string> UnicodeStress()
    {
        string[] pieces =
        [
            "e\u0301", "é", "A\u030A", "Å", "n\u0303o", "Cafe\u0301", "ﬁ", "Ω", "Ω", "\u1100\u1161\u11A8", "각", "한국어 텍스트",
            "日本語のテキスト", "中文字符串，标点。", "ｆｕｌｌｗｉｄｔｈ", "😀", "👩‍👩‍👧‍👦", "👍🏽", "🇫🇷🇯🇵", "❤️", "🧑‍💻",
            "مرحبا بالعالم", "שלום", "Привет, мир", "Ελληνικά", "हिन्दी", "ไทย", "\t", "\n", "\r\n", "  ", "   \n\n  ", "\u00A0",
            "\u3000", "\u2003", "don't", "I'LL", "we've", "he'd", "'s", "12345", "3.14159", "1,000,000", "$9.99", "...", "?!?!",
            "--", "(1999)", "<b>", "&amp;", "\"quoted\"", "C++", "x^2+y^2", "snake_case", "CamelCase", "URL: https://a.b/c?d=e",
            "\u200B", "\u200D", "\uFEFF", "a\u0308\u0301", "ǅ", "ẞ", "İstanbul", "ß", "\U0001D400\U0001D401", "𝔘𝔫𝔦",
        ];
        var strings = new List<string>(pieces);
        // Deterministic combinations: every piece beside the next few, joined with and without spaces and newlines.
        for (var i = 0; i < pieces.Length; i++)
        {
            for (var j = 1; j <= 4; j++)
            {
                var other = pieces[(i + j * 7) % pieces.Length];
                strings.Add(pieces[i] + other);
                strings.Add(pieces[i] + " " + other + "  ");
                strings.Add(" " + pieces[i] + "\n" + other);
            }
        }
        for (var n = 1; n <= 12; n++)
        {
            strings.Add(new string(' ', n) + "x");
            strings.Add("x" + new string(' ', n));
            strings.Add("a" + new string('\n', n) + "b");
            strings.Add(string.Concat(Enumerable.Repeat(" \t", n)) + "end");
            strings.Add(n.ToString(CultureInfo.InvariantCulture) + new string('9', n));
        }
        return strings;
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 32 || c > 126 ? $"\\u{(int)c:X4}" : c.ToString()));
}
