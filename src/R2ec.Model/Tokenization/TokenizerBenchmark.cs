using System.Diagnostics;
using System.Text;

namespace R2ec.Model.Tokenization;

/// <summary>Encode throughput of one tokenizer over a list of texts, on one thread.</summary>
/// <param name="Texts">Texts per pass.</param>
/// <param name="Bytes">UTF-8 bytes per pass.</param>
/// <param name="Tokens">Tokens per pass.</param>
/// <param name="ColdSeconds">The first pass on a fresh tokenizer, every word merged from bytes.</param>
/// <param name="WarmPasses">Passes timed after it, with the word cache filled.</param>
/// <param name="WarmSeconds">Their total time.</param>
public sealed record EncodeThroughput(int Texts, long Bytes, long Tokens, double ColdSeconds, int WarmPasses, double WarmSeconds)
{
    /// <summary>Cold throughput in MB/s (10^6 bytes).</summary>
    public double ColdMegabytesPerSecond => Bytes / ColdSeconds / 1e6;

    /// <summary>Cold throughput in tokens per second.</summary>
    public double ColdTokensPerSecond => Tokens / ColdSeconds;

    /// <summary>Warm throughput in MB/s (10^6 bytes).</summary>
    public double WarmMegabytesPerSecond => Bytes * (double)WarmPasses / WarmSeconds / 1e6;

    /// <summary>Warm throughput in tokens per second.</summary>
    public double WarmTokensPerSecond => Tokens * (double)WarmPasses / WarmSeconds;
}

/// <summary>How long BPE training took.</summary>
/// <param name="Texts">Texts in the corpus.</param>
/// <param name="Bytes">UTF-8 bytes in the corpus.</param>
/// <param name="VocabSize">Size of the trained vocabulary.</param>
/// <param name="Seconds">Wall time of the training.</param>
public sealed record TrainingTime(int Texts, long Bytes, int VocabSize, double Seconds);

/// <summary>
/// Stopwatch harness for the tokenizer, free of any test framework so that <c>r2ec bench</c> can call it; the figures
/// in docs/benchmarks.md come from here.
/// </summary>
public static class TokenizerBenchmark
{
    /// <summary>Times one cold pass of a fresh tokenizer over <paramref name="texts"/>, then warm passes for at least <paramref name="minWarm"/>.</summary>
    /// <param name="create">Makes a fresh tokenizer (an empty word cache), e.g. by loading a tokenizer.json. A first
    /// instance encodes everything once untimed so that the cold pass measures merging, not the JIT.</param>
    /// <param name="texts">The texts each pass encodes.</param>
    /// <param name="minWarm">The least total time of the warm passes; at least one warm pass runs.</param>
    public static EncodeThroughput MeasureEncode(Func<BpeTokenizer> create, IReadOnlyList<string> texts, TimeSpan minWarm)
    {
        var ids = new List<int>(1024);
        EncodeAll(create(), texts, ids);
        var tokenizer = create();
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var clock = Stopwatch.StartNew();
        var tokens = EncodeAll(tokenizer, texts, ids);
        var cold = clock.Elapsed.TotalSeconds;

        var passes = 0;
        clock.Restart();
        do
        {
            if (EncodeAll(tokenizer, texts, ids) != tokens) throw new InvalidOperationException("a warm pass gave a different token count than the cold one");
            passes++;
        }
        while (clock.Elapsed < minWarm);
        return new EncodeThroughput(texts.Count, bytes, tokens, cold, passes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Times <see cref="BpeTrainer.Train"/> on <paramref name="corpus"/> with <see cref="SpecialTokens.All"/>.</summary>
    public static TrainingTime MeasureTraining(IReadOnlyList<string> corpus, int vocabSize)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = BpeTrainer.Train(corpus, vocabSize, SpecialTokens.All);
        var seconds = clock.Elapsed.TotalSeconds;
        return new TrainingTime(corpus.Count, corpus.Sum(t => (long)Encoding.UTF8.GetByteCount(t)), tokenizer.VocabSize, seconds);
    }

    private static long EncodeAll(BpeTokenizer tokenizer, IReadOnlyList<string> texts, List<int> ids)
    {
        long tokens = 0;
        foreach (var text in texts)
        {
            ids.Clear();
            tokenizer.Encode(text, ids);
            tokens += ids.Count;
        }
        return tokens;
    }
}
