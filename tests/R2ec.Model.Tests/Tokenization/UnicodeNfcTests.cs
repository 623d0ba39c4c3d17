using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class UnicodeNfcTests
{
    // Expected forms from the Unicode reference (Python's unicodedata.normalize("NFC", ...)); the platform ICU must agree.
    [TestCase("Ame\u0301lie", "Am\u00e9lie", TestName = "combining acute composes with its base")]
    [TestCase("\u1e0b\u0323", "\u1e0d\u0307", TestName = "decomposes, reorders dot below first, recomposes")]
    [TestCase("q\u0307\u0323", "q\u0323\u0307", TestName = "reorders marks without a composite")]
    [TestCase("\u0958", "\u0915\u093c", TestName = "composition exclusion stays decomposed")]
    [TestCase("\u212b", "\u00c5", TestName = "singleton maps to its canonical form")]
    [TestCase("\u1100\u1161\u11a8", "\uac01", TestName = "Hangul jamo compose")]
    [TestCase("\uac00\u11a8", "\uac01", TestName = "Hangul LV plus T composes")]
    [TestCase("e\u0301\u0301", "\u00e9\u0301", TestName = "second equal-class mark is blocked")]
    [TestCase("a\u0328\u0301", "\u0105\u0301", TestName = "ogonek composes, acute has no further composite")]
    [TestCase("\U0001d15e", "\U0001d157\U0001d165", TestName = "supplementary plane exclusion")]
    [TestCase("\u0b47\u0b3e", "\u0b4b", TestName = "two starters compose")]
    [TestCase("\u0301a", "\u0301a", TestName = "leading mark without a starter is kept")]
    [TestCase("A\u030a\u0301x", "\u01fax", TestName = "ring then acute compose in turn")]
    [TestCase("e\u0302\u0323", "\u1ec7", TestName = "out-of-order marks compose after reordering")]
    [TestCase("x\ud800y", "x\ud800y", TestName = "lone surrogate is kept")]
    public void NormalizesLikeTheUnicodeReference(string text, string expected)
    {
        Assert.That(UnicodeNfc.Normalize(text), Is.EqualTo(expected));
    }

    [Test]
    public void MovieLensTitlesAreAlreadyNfc()
    {
        Assert.That(MovieLensTitles.All.Where(t => UnicodeNfc.Normalize(t) != t), Is.Empty);
    }

    [Test]
    public void NfcTokenizerEncodesDecomposedTextAsComposed()
    {
        var tokenizer = TinyTokenizer.Create(TextNormalization.Nfc);
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Encode("Ame\u0301lie"), Is.EqualTo(tokenizer.Encode("Am\u00e9lie")));
            Assert.That(tokenizer.Decode(tokenizer.Encode("Ame\u0301lie<answer>")), Is.EqualTo("Am\u00e9lie<answer>"));
        });
    }
}
