using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class MovieLensRoundTripTests
{
    [Test]
    public void TitlesHoldQuotesAndNonAscii()
    {
        var titles = MovieLensTitles.All;
        Assert.Multiple(() =>
        {
            Assert.That(titles, Has.Length.GreaterThan(9000));
            Assert.That(titles.Any(t => t.Contains('"')), Is.True);
            Assert.That(titles.Any(t => t.Any(c => c > 127)), Is.True);
        });
    }

    [Test]
    public void EveryTitleDecodesBackToItselfWithTheTinyVocabulary()
    {
        var tokenizer = TinyTokenizer.Create();
        var failures = MovieLensTitles.All.Where(t => tokenizer.Decode(tokenizer.Encode(t)) != t).ToList();
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void ConcurrentEncodingSharingOneCacheGivesTheSequentialIds()
    {
        var titles = MovieLensTitles.All;
        var sequential = TinyTokenizer.Create();
        var expected = titles.Select(sequential.Encode).ToArray();
        var shared = TinyTokenizer.Create();
        var actual = new int[titles.Length][];
        Parallel.For(0, titles.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = shared.Encode(titles[i]));
        Assert.That(Enumerable.Range(0, titles.Length).Where(i => !actual[i].SequenceEqual(expected[i])), Is.Empty);
    }
}
