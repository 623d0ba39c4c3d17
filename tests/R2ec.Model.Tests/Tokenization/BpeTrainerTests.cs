using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class BpeTrainerTests
{
    private static readonly Lazy<BpeTokenizer> MovieLens = new(() => BpeTrainer.Train(MovieLensTitles.All, 4096, SpecialTokens.All));

    [Test]
    public void MostFrequentPairMergesFirstAndTiesGoByByteOrder()
    {
        // Words "aaab" and "aab": a+a occurs 3 times. Then (aa,a), (a,b), (aa,b) occur once each: "a" < "aa" picks a+b;
        // then (aa,ab) and (aa,b) tie: "ab" < "b" picks aa+ab; aa+b is last.
        var tokenizer = BpeTrainer.Train(["aaab", "aab"], 256 + 4 + 1, [SpecialTokens.EndOfText], minPairCount: 1);
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Merges, Is.EqualTo(new[] { ("a", "a"), ("a", "b"), ("aa", "ab"), ("aa", "b") }));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(261));
            Assert.That(tokenizer.SpecialTokenId(SpecialTokens.EndOfText), Is.EqualTo(260));
        });
    }

    [Test]
    public void TrainingDoesNotDependOnCorpusOrder()
    {
        var titles = MovieLensTitles.All;
        var forward = BpeTrainer.Train(titles, 1024, SpecialTokens.All);
        var backward = BpeTrainer.Train(titles.Reverse(), 1024, SpecialTokens.All);
        Assert.Multiple(() =>
        {
            Assert.That(backward.Merges, Is.EqualTo(forward.Merges));
            Assert.That(backward.Vocab, Is.EquivalentTo(forward.Vocab));
        });
    }

    [Test]
    public void SpecialTokensAreNeverLearntAndStayAtomic()
    {
        var corpus = Enumerable.Repeat("think<answer>Toy Story</answer><|im_end|>", 50).ToList();
        var tokenizer = BpeTrainer.Train(corpus, 400, SpecialTokens.All);
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Vocab.Keys.Where(k => k.Contains("answer") || k.Contains("im_")), Is.Empty);
            Assert.That(tokenizer.Encode("<answer>"), Is.EqualTo(new[] { tokenizer.SpecialTokenId(SpecialTokens.Answer) }));
            Assert.That(tokenizer.AddedTokens.Select(t => t.Id), Is.EqualTo(Enumerable.Range(tokenizer.VocabSize - 5, 5)));
        });
    }

    [Test]
    public void TrainedVocabularyRoundTripsEveryMovieLensTitleAndCompresses()
    {
        var tokenizer = MovieLens.Value;
        var titles = MovieLensTitles.All;
        var failures = titles.Where(t => tokenizer.Decode(tokenizer.Encode(t)) != t).ToList();
        var bytes = titles.Sum(t => System.Text.Encoding.UTF8.GetByteCount(t));
        var tokens = titles.Sum(t => tokenizer.Encode(t).Length);
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(tokenizer.VocabSize, Is.EqualTo(4096));
            // Qwen2's regex gives every digit its own token, so the years alone cost 4 of the ~26 bytes of a title.
            Assert.That(tokens, Is.LessThan(bytes / 2), "a 4k vocabulary trained on these titles packs over 2 bytes a token");
        });
    }

    [Test]
    public void TooSmallAVocabularyIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["x"], 258, SpecialTokens.All));
    }
}
