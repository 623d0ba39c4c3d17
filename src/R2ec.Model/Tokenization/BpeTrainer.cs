using System.Text;
using System.Text.RegularExpressions;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Learns a byte-level BPE vocabulary from a corpus. Ids 0-255 are the bytes in byte order, then one id per merge in
/// the order learnt, then the special tokens. Each step merges the most frequent adjacent pair over all words (counted
/// with their corpus frequency); a tie goes to the pair whose left token's bytes come first in byte order, then the
/// right token's, so the result depends on the corpus alone, never on hash or thread order. Special tokens are cut
/// out of the corpus before counting, so no merge learns them.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains a tokenizer of at most <paramref name="vocabSize"/> tokens, special tokens included.</summary>
    /// <param name="corpus">Training texts; each is cut into words by <paramref name="preTokenizer"/>.</param>
    /// <param name="vocabSize">Target size; fewer tokens result when no pair occurs <paramref name="minPairCount"/> times.</param>
    /// <param name="specialTokens">Added tokens, given the last ids in this order (e.g. <see cref="SpecialTokens.All"/>).</param>
    /// <param name="preTokenizer">How texts are cut into words; Qwen2's when null.</param>
    /// <param name="minPairCount">The fewest occurrences a pair needs to be merged.</param>
    /// <exception cref="ArgumentOutOfRangeException">The vocabulary cannot hold the 256 bytes and the special tokens.</exception>
    public static BpeTokenizer Train(
        IEnumerable<string> corpus,
        int vocabSize,
        IReadOnlyList<string> specialTokens,
        PreTokenizer? preTokenizer = null,
        int minPairCount = 2)
    {
        preTokenizer ??= PreTokenizer.Qwen2;
        if (vocabSize < 256 + specialTokens.Count)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"a byte-level vocabulary needs at least 256 + {specialTokens.Count} special tokens");
        if (specialTokens.Distinct(StringComparer.Ordinal).Count() != specialTokens.Count || specialTokens.Any(string.IsNullOrEmpty))
            throw new ArgumentException("special tokens must be distinct and non-empty", nameof(specialTokens));

        var words = CountWords(corpus, specialTokens, preTokenizer);
        var tokenBytes = new List<byte[]>(vocabSize);
        for (var b = 0; b < 256; b++) tokenBytes.Add([(byte)b]);
        var merges = LearnMerges(words, tokenBytes, vocabSize - specialTokens.Count, Math.Max(1, minPairCount));

        var vocab = new Dictionary<string, int>(tokenBytes.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokenBytes.Count; id++) vocab.Add(ByteLevel.Encode(tokenBytes[id]), id);
        var mergeSpellings = merges.Select(m => (ByteLevel.Encode(tokenBytes[m.Left]), ByteLevel.Encode(tokenBytes[m.Right]))).ToList();
        var added = specialTokens.Select((t, i) => new AddedToken(tokenBytes.Count + i, t)).ToList();
        return new BpeTokenizer(vocab, mergeSpellings, added, preTokenizer);
    }

    private sealed class Word(int[] symbols, long count)
    {
        public int[] Symbols = symbols;
        public readonly long Count = count;
    }

    private static List<Word> CountWords(IEnumerable<string> corpus, IReadOnlyList<string> specialTokens, PreTokenizer preTokenizer)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var counter = new WordCounter(counts.GetAlternateLookup<ReadOnlySpan<char>>());
        var splitter = specialTokens.Count == 0 ? null
            : new Regex(string.Join('|', specialTokens.OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).Select(Regex.Escape)),
                RegexOptions.CultureInvariant);
        foreach (var text in corpus)
        {
            if (splitter is null)
            {
                preTokenizer.Split(text, counter);
                continue;
            }
            var at = 0;
            foreach (var match in splitter.EnumerateMatches(text))
            {
                preTokenizer.Split(text.AsSpan(at, match.Index - at), counter);
                at = match.Index + match.Length;
            }
            preTokenizer.Split(text.AsSpan(at), counter);
        }
        return [.. counts.Select(pair => new Word([.. Encoding.UTF8.GetBytes(pair.Key).Select(b => (int)b)], pair.Value))];
    }

    private readonly struct WordCounter(Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> counts) : IWordSink
    {
        public void Word(ReadOnlySpan<char> word)
        {
            counts.TryGetValue(word, out var count);
            counts[word] = count + 1;
        }
    }

    private static List<(int Left, int Right)> LearnMerges(List<Word> words, List<byte[]> tokenBytes, int targetTokens, int minPairCount)
    {
        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            var symbols = words[w].Symbols;
            for (var i = 0; i + 1 < symbols.Length; i++)
            {
                var pair = BpeTokenizer.PairKey(symbols[i], symbols[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + words[w].Count;
                if (!where.TryGetValue(pair, out var set)) where[pair] = set = [];
                set.Add(w);
            }
        }

        // Counts of pairs that do not involve the newest token only ever fall, so a queued count is an upper bound:
        // a popped entry whose count is out of date goes back in with the current one (lazy decrease-key).
        var queue = new PriorityQueue<long, (long Count, long Pair)>(new PairOrder(tokenBytes));
        foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (count, pair));

        var merges = new List<(int, int)>();
        var created = new HashSet<long>();
        while (tokenBytes.Count < targetTokens && queue.TryDequeue(out var best, out var queued))
        {
            var current = pairCounts.GetValueOrDefault(best);
            if (current != queued.Count)
            {
                if (current > 0) queue.Enqueue(best, (current, best));
                continue;
            }
            if (current < minPairCount) break;

            int left = (int)(best >> 32), right = (int)best;
            var merged = tokenBytes.Count;
            tokenBytes.Add([.. tokenBytes[left], .. tokenBytes[right]]);
            merges.Add((left, right));

            created.Clear();
            foreach (var w in where[best])
                MergeInWord(words[w], w, left, right, merged, pairCounts, where, created);
            where.Remove(best);
            pairCounts.Remove(best);
            foreach (var pair in created) queue.Enqueue(pair, (pairCounts[pair], pair));
        }
        return merges;
    }

    private static void MergeInWord(Word word, int w, int left, int right, int merged,
        Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> where, HashSet<long> created)
    {
        var symbols = word.Symbols;
        var output = new List<int>(symbols.Length);
        for (var i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                output.Add(merged);
                i++;
            }
            else output.Add(symbols[i]);
        }
        if (output.Count == symbols.Length) return;

        for (var i = 0; i + 1 < symbols.Length; i++)
            pairCounts[BpeTokenizer.PairKey(symbols[i], symbols[i + 1])] -= word.Count;
        for (var i = 0; i + 1 < output.Count; i++)
        {
            var pair = BpeTokenizer.PairKey(output[i], output[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + word.Count;
            if (output[i] != merged && output[i + 1] != merged) continue;
            if (!where.TryGetValue(pair, out var set)) where[pair] = set = [];
            set.Add(w);
            created.Add(pair);
        }
        word.Symbols = [.. output];
    }

    /// <summary>Queue order: higher count first, then the pair's left bytes, then its right bytes, in byte order.</summary>
    private sealed class PairOrder(List<byte[]> tokenBytes) : IComparer<(long Count, long Pair)>
    {
        public int Compare((long Count, long Pair) x, (long Count, long Pair) y)
        {
            if (x.Count != y.Count) return y.Count.CompareTo(x.Count);
            var byLeft = tokenBytes[(int)(x.Pair >> 32)].AsSpan().SequenceCompareTo(tokenBytes[(int)(y.Pair >> 32)]);
            return byLeft != 0 ? byLeft : tokenBytes[(int)x.Pair].AsSpan().SequenceCompareTo(tokenBytes[(int)y.Pair]);
        }
    }
}
