using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class BpeEncodingTests
{
    [Test]
    public void Qwen2PreTokenizerCutsLettersDigitsPunctuationAndSpaces()
    {
        var words = PreTokenizer.Qwen2.Split("Toy Story (1995) it's\n\n  ok");
        Assert.That(words, Is.EqualTo(new[] { "Toy", " Story", " (", "1", "9", "9", "5", ")", " it", "'s", "\n\n", " ", " ok" }));
    }

    [Test]
    public void MergesApplyLowestRankFirstAndLeftmostOnTies()
    {
        var tokenizer = TinyTokenizer.Create();
        // "the": only h+e is ranked. " theme": Ġ+t, then h+e, then Ġt+he. " aaa": a+a at the left pair first.
        var ids = tokenizer.Encode("the theme aaa");
        Assert.That(ids, Is.EqualTo(new[] { 't', TinyTokenizer.He, TinyTokenizer.GThe, 'm', 'e', ' ', TinyTokenizer.Aa, 'a' }));
    }

    [Test]
    public void SpecialTokensStayAtomicWhereverTheyAppear()
    {
        var tokenizer = TinyTokenizer.Create();
        var text = "<|im_start|>user\nthe<answer>x</answer><|im_end|><answer";
        var ids = tokenizer.Encode(text);
        Assert.Multiple(() =>
        {
            Assert.That(ids[0], Is.EqualTo(TinyTokenizer.ImStart));
            Assert.That(ids.Count(i => i == TinyTokenizer.Answer), Is.EqualTo(1), "the trailing '<answer' is not the token");
            Assert.That(ids, Does.Contain(TinyTokenizer.AnswerEnd));
            Assert.That(ids, Does.Contain(TinyTokenizer.ImEnd));
            Assert.That(tokenizer.Encode(SpecialTokens.Answer), Is.EqualTo(new[] { TinyTokenizer.Answer }));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(text));
        });
    }

    [Test]
    public void DecodeCanSkipSpecialTokens()
    {
        var tokenizer = TinyTokenizer.Create();
        var ids = tokenizer.Encode("<|im_start|>the<|im_end|>");
        Assert.That(tokenizer.Decode(ids, skipSpecial: true), Is.EqualTo("the"));
    }

    [TestCase("")]
    [TestCase("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)")]
    [TestCase("\"Great\" Performances: Cats (1998)")]
    [TestCase("千と千尋の神隠し 🎬 Spirited Away\r\n\ttabs   and  spaces ")]
    [TestCase("Город — 2002\u00a0ok")]
    public void EncodeThenDecodeGivesTheTextBack(string text)
    {
        var tokenizer = TinyTokenizer.Create();
        Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
    }

    [Test]
    public void LongWordsBeyondTheStackBufferEncodeTheSame()
    {
        var tokenizer = TinyTokenizer.Create();
        var word = string.Concat(Enumerable.Repeat("the", 200));
        var ids = tokenizer.Encode(word);
        Assert.Multiple(() =>
        {
            Assert.That(ids, Has.Length.EqualTo(400));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(word));
            Assert.That(tokenizer.Encode(word), Is.EqualTo(ids), "a cached word encodes the same");
        });
    }

    [Test]
    public void IgnoreMergesTakesAWordThatIsInTheVocabularyWhole()
    {
        var vocab = TinyTokenizer.Vocab();
        vocab.Add("xyz", vocab.Count + 10);
        var whole = new BpeTokenizer(vocab, TinyTokenizer.Merges, [], PreTokenizer.Qwen2, ignoreMerges: true);
        var merged = new BpeTokenizer(vocab, TinyTokenizer.Merges, [], PreTokenizer.Qwen2);
        Assert.Multiple(() =>
        {
            Assert.That(whole.Encode("xyz the"), Is.EqualTo(new[] { vocab["xyz"], TinyTokenizer.GThe }));
            Assert.That(merged.Encode("xyz"), Is.EqualTo(new[] { 'x', 'y', 'z' }));
        });
    }

    [Test]
    public void Gpt2PreTokenizerKeepsDigitRunsAndLeadingSpaces()
    {
        var gpt2 = new PreTokenizer([], byteLevelUseRegex: true);
        Assert.That(gpt2.Split("Heat (1995)  it's"), Is.EqualTo(new[] { "Heat", " (", "1995", ")", " ", " it", "'s" }));
    }

    [Test]
    public void UnknownIdIsRejectedWithItsValue()
    {
        var tokenizer = TinyTokenizer.Create();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 100_000]));
        Assert.That(e!.Message, Does.Contain("100000"));
    }

    [Test]
    public void VocabWithoutEveryByteIsRejected()
    {
        var vocab = TinyTokenizer.Vocab();
        vocab.Remove("Ġ");
        var e = Assert.Throws<ArgumentException>(() => new BpeTokenizer(vocab, [], [], PreTokenizer.Qwen2));
        Assert.That(e!.Message, Does.Contain("0x20"));
    }

    [Test]
    public void MergeWhoseResultIsMissingIsRejectedWithItsRank()
    {
        var vocab = TinyTokenizer.Vocab();
        var e = Assert.Throws<ArgumentException>(() => new BpeTokenizer(vocab, [("h", "e"), ("x", "y")], [], PreTokenizer.Qwen2));
        Assert.That(e!.Message, Does.Contain("merge 1 'x y'"));
    }
}
