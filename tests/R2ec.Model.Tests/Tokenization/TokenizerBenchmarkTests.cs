using System.Text;
using R2ec.Model.Tokenization;
using R2ec.TestSupport;

namespace R2ec.Model.Tests.Tokenization;

public class TokenizerBenchmarkTests
{
    [Test]
    public void EncodeMeasurementCountsBytesAndTokensOfOnePass()
    {
        string[] texts = ["the theme", "Amélie (2001)", "<answer>aaa"];
        var result = TokenizerBenchmark.MeasureEncode(() => TinyTokenizer.Create(), texts, coldPasses: 2, TimeSpan.Zero);
        var tokenizer = TinyTokenizer.Create();
        Assert.Multiple(() =>
        {
            Assert.That(result.Bytes, Is.EqualTo(texts.Sum(t => Encoding.UTF8.GetByteCount(t))));
            Assert.That(result.Tokens, Is.EqualTo(texts.Sum(t => tokenizer.Encode(t).Length)));
            Assert.That(result.ColdPasses, Is.EqualTo(2));
            Assert.That(result.WarmPasses, Is.EqualTo(1));
            Assert.That(result.ColdSeconds, Is.GreaterThan(0));
        });
    }

    /// <summary>
    /// The figures of docs/benchmarks.md ("Policy model"): run with
    /// <c>dotnet test tests/R2ec.Model.Tests -c Release --filter "TestCategory=Benchmark" --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Test, Explicit("benchmark: prints throughput, run by hand"), Category("Benchmark")]
    public void MovieLensTokenizerThroughput()
    {
        var titles = MovieLensTitles.All;
        var histories = UserHistories(titles);
        var trainTitles = TokenizerBenchmark.MeasureTraining(titles, 4096, runs: 3);
        var trainHistories = TokenizerBenchmark.MeasureTraining(histories, 8192, runs: 3);
        var json = TokenizerJson.Serialize(BpeTrainer.Train(titles, 4096, SpecialTokens.All));
        var encode = TokenizerBenchmark.MeasureEncode(() => TokenizerJson.Parse(json), titles, coldPasses: 30, TimeSpan.FromSeconds(5));

        TestContext.Out.WriteLine($"train 4096 on titles: {trainTitles.Texts} texts, {trainTitles.Bytes / 1e6:F2} MB, vocab {trainTitles.VocabSize}, {trainTitles.Seconds:F2} s");
        TestContext.Out.WriteLine($"train 8192 on user histories: {trainHistories.Texts} texts, {trainHistories.Bytes / 1e6:F2} MB, vocab {trainHistories.VocabSize}, {trainHistories.Seconds:F2} s");
        TestContext.Out.WriteLine($"encode titles: {encode.Texts} texts, {encode.Bytes} bytes, {encode.Tokens} tokens per pass");
        TestContext.Out.WriteLine($"  cold (fastest of {encode.ColdPasses}): {encode.ColdMegabytesPerSecond:F2} MB/s, {encode.ColdTokensPerSecond / 1e6:F2} M tokens/s");
        TestContext.Out.WriteLine($"  warm (fastest of {encode.WarmPasses}): {encode.WarmMegabytesPerSecond:F2} MB/s, {encode.WarmTokensPerSecond / 1e6:F2} M tokens/s");
        Assert.That(encode.Tokens, Is.GreaterThan(0));
    }

    /// <summary>One text per MovieLens user: the titles they rated, in file order, as a prompt would list them.</summary>
    private static List<string> UserHistories(string[] titles)
    {
        var byMovie = new Dictionary<string, string>();
        var movies = File.ReadLines(RepoPaths.SharedFile("datasets", "movielens-latest-small", "movies.csv")).Skip(1).Select(l => l[..l.IndexOf(',')]).ToList();
        for (var i = 0; i < movies.Count; i++) byMovie[movies[i]] = titles[i];
        return File.ReadLines(RepoPaths.SharedFile("datasets", "movielens-latest-small", "ratings.csv")).Skip(1)
            .Select(l => l.Split(','))
            .GroupBy(f => f[0])
            .Select(g => "I watched: " + string.Join(", ", g.Select(f => byMovie[f[1]])))
            .ToList();
    }
}
