using System.Text;
using System.Text.RegularExpressions;
using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class Qwen2SplitterTests
{
    private static readonly Regex Reference = new(PreTokenizer.Qwen2Pattern, RegexOptions.CultureInvariant);

    // Contractions in any case (U+017F aside: see below), letters, digits, marks, punctuation, every kind of whitespace and line break, controls.
    private static readonly string[] Alphabet =
    [
        "'", "'s", "'T", "'re", "'VE", "'m", "'Ll", "'d", "'x", "a", "Z", "é", "ß", "Ж", "中", "ǅ", "ʰ",
        "0", "7", "٣", "Ⅻ", "½", "\u0301", "\u093c", " ", "  ", "\t", "\n", "\r", "\r\n", "\u000b", "\u000c", "\u0085",
        "\u00a0", "\u3000", "\u2028", "\u2029", ".", "(", ")", "\"", ",", "-", "!?", "€", "\u0001", "\u007f", "\u200b",
    ];

    [Test]
    public void CutsBmpTextExactlyWhereTheRegexDoes()
    {
        var random = new Random(20261122);
        var mismatches = new List<string>();
        for (var n = 0; n < 20_000 && mismatches.Count < 5; n++)
        {
            var text = new StringBuilder();
            for (var k = random.Next(1, 12); k > 0; k--) text.Append(Alphabet[random.Next(Alphabet.Length)]);
            var s = text.ToString();
            var expected = Reference.Matches(s).Select(m => m.Value).ToList();
            var actual = PreTokenizer.Qwen2.Split(s);
            if (!actual.SequenceEqual(expected)) mismatches.Add($"{Escape(s)}: [{string.Join("|", actual.Select(Escape))}] vs regex [{string.Join("|", expected.Select(Escape))}]");
        }
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void CutsEveryMovieLensTitleWhereTheRegexDoes()
    {
        var titles = MovieLensTitles.All.Where(t => !PreTokenizer.Qwen2.Split(t).SequenceEqual(Reference.Matches(t).Select(m => m.Value)));
        Assert.That(titles, Is.Empty);
    }

    [Test]
    public void LettersAndDigitsOutsideTheBmpCountAsLettersAndDigits()
    {
        // U+20000 (CJK extension B) and U+1D400 (bold A) are letters, U+1D7CE (bold 0) a digit, U+1F600 (emoji) a symbol.
        // The emoji after a space is punctuation-like; right after a letter it is the one char that may lead a word.
        var words = PreTokenizer.Qwen2.Split("a\U00020000b \U0001d400x \U0001d7ce\U0001d7cf \U0001f600go x\U0001f600go");
        Assert.That(words, Is.EqualTo(new[] { "a\U00020000b", " \U0001d400x", " ", "\U0001d7ce", "\U0001d7cf", " \U0001f600", "go", " x", "\U0001f600go" }));
    }

    [Test]
    public void LongSIsAnSInContractionsAsUnicodeCaseFoldingHasIt()
    {
        // .NET's regex does not fold U+017F to 's'; Oniguruma, which Hugging Face uses, follows CaseFolding.txt and does.
        Assert.That(PreTokenizer.Qwen2.Split("it'\u017f"), Is.EqualTo(new[] { "it", "'\u017f" }));
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}"));
}
