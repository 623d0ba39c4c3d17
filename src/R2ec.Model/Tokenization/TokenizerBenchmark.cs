using System.Diagnostics;
using System.Text;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Encode throughput of one tokenizer over a list of texts, on one thread. Each figure is the fastest of its passes:
/// on a shared machine the fastest pass is the one least disturbed by other work.
/// </summary>
/// <param name="Texts">Texts per pass.</param>
/// <param name="Bytes">UTF-8 bytes per pass.</param>
/// <param name="Tokens">Tokens per pass.</param>
/// <param name="ColdPasses">Fresh tokenizers timed on their first pass, every word merged from bytes.</param>
/// <param name="ColdSeconds">The fastest of those first passes.</param>
/// <param name="WarmPasses">Passes timed on one tokenizer with its word cache filled.</param>
/// <param name="WarmSeconds">The fastest of those.</param>
public sealed record EncodeThroughput(int Texts, long Bytes, long Tokens, int ColdPasses, double ColdSeconds, int WarmPasses, double WarmSeconds)
{
    /// <summary>Cold throughput in MB/s (10^6 bytes).</summary>
    public double ColdMegabytesPerSecond => Bytes / ColdSeconds / 1e6;

    /// <summary>Cold throughput in tokens per second.</summary>
    public double ColdTokensPerSecond => Tokens / ColdSeconds;

    /// <summary>Warm throughput in MB/s (10^6 bytes).</summary>
    public double WarmMegabytesPerSecond => Bytes / WarmSeconds / 1e6;

    /// <summary>Warm throughput in tokens per second.</summary>
    public double WarmTokensPerSecond => Tokens / WarmSeconds;
}

/// <summary>How long BPE training took, the fastest of several runs.</summary>
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
    /// <summary>How long untimed passes run before the timed ones (tiered JIT promotes hot methods after a delay).</summary>
    public static readonly TimeSpan JitWarmUp = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Times the first pass of <paramref name="coldPasses"/> fresh tokenizers over <paramref name="texts"/>, then warm
    /// passes of the last one for at least <paramref name="minWarm"/>.
    /// </summary>
    /// <param name="create">Makes a fresh tokenizer (an empty word cache), e.g. by loading a tokenizer.json. Untimed
    /// instances encode everything for <see cref="JitWarmUp"/> first, so that the cold passes measure merging, not the JIT.</param>
    /// <param name="texts">The texts each pass encodes.</param>
    /// <param name="coldPasses">How many fresh tokenizers are timed; at least one.</param>
    /// <param name="minWarm">The least total time of the warm passes; at least one warm pass runs.</param>
    public static EncodeThroughput MeasureEncode(Func<BpeTokenizer> create, IReadOnlyList<string> texts, int coldPasses, TimeSpan minWarm)
    {
        var ids = new List<int>(1024);
        var tokens = EncodeAll(create(), texts, ids);
        // Untimed fresh instances until the JIT has had time to tier the merge path up, as in a long-running worker.
        for (var warmUp = Stopwatch.StartNew(); warmUp.Elapsed < JitWarmUp;) EncodeAll(create(), texts, ids);
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));

        var cold = double.MaxValue;
        BpeTokenizer tokenizer;
        var passes = Math.Max(1, coldPasses);
        for (var i = 0; ; i++)
        {
            tokenizer = create();
            cold = Math.Min(cold, TimedPass(tokenizer, texts, ids, tokens));
            if (i + 1 == passes) break;
        }

        var warm = double.MaxValue;
        var warmPasses = 0;
        var total = Stopwatch.StartNew();
        do
        {
            warm = Math.Min(warm, TimedPass(tokenizer, texts, ids, tokens));
            warmPasses++;
        }
        while (total.Elapsed < minWarm);
        return new EncodeThroughput(texts.Count, bytes, tokens, passes, cold, warmPasses, warm);
    }

    /// <summary>Times <see cref="BpeTrainer.Train"/> on <paramref name="corpus"/> with <see cref="SpecialTokens.All"/>: the fastest of <paramref name="runs"/>.</summary>
    public static TrainingTime MeasureTraining(IReadOnlyList<string> corpus, int vocabSize, int runs)
    {
        var fastest = double.MaxValue;
        var size = 0;
        for (var i = 0; i < Math.Max(1, runs); i++)
        {
            var clock = Stopwatch.StartNew();
            size = BpeTrainer.Train(corpus, vocabSize, SpecialTokens.All).VocabSize;
            fastest = Math.Min(fastest, clock.Elapsed.TotalSeconds);
        }
        return new TrainingTime(corpus.Count, corpus.Sum(t => (long)Encoding.UTF8.GetByteCount(t)), size, fastest);
    }

    private static double TimedPass(BpeTokenizer tokenizer, IReadOnlyList<string> texts, List<int> ids, long expectedTokens)
    {
        var clock = Stopwatch.StartNew();
        var tokens = EncodeAll(tokenizer, texts, ids);
        var seconds = clock.Elapsed.TotalSeconds;
        if (tokens != expectedTokens) throw new InvalidOperationException($"a pass gave {tokens} tokens, the first gave {expectedTokens}");
        return seconds;
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
