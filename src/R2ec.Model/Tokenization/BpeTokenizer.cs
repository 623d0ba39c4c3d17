using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Byte-level BPE (GPT-2, Qwen2): added tokens are cut out of the raw text first and never split; the rest is
/// normalized, pre-tokenized into words, each word's UTF-8 bytes start as one symbol per byte, and adjacent symbols
/// merge lowest merge rank first (leftmost on ties) until no ranked pair is left. Decoding concatenates the tokens'
/// bytes, so encode then decode gives back any text the normalizer leaves unchanged. Safe to use from many threads.
/// </summary>
public sealed class BpeTokenizer
{
    private const int CacheCapacity = 1 << 19;
    private const int StackLimit = 128;

    private readonly string?[] _tokens;
    private readonly byte[][] _tokenBytes;
    private readonly bool[] _isSpecial;
    private readonly Dictionary<string, int> _vocab;
    private readonly int[] _byteIds = new int[256];
    private readonly Dictionary<long, int> _mergeRanks;
    private readonly int[] _mergeResults;
    private readonly Dictionary<string, int> _added;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _addedLookup;
    private readonly Regex? _addedSplitter;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheSize;

    /// <summary>Builds a tokenizer and checks that its parts agree.</summary>
    /// <param name="vocab">Byte-level token spelling → id; must hold all 256 single-byte tokens.</param>
    /// <param name="merges">Merge rules, highest priority first; both sides and their concatenation must be in <paramref name="vocab"/>.</param>
    /// <param name="addedTokens">Tokens matched before BPE; their ids may lie beyond <paramref name="vocab"/>.</param>
    /// <param name="preTokenizer">How text is cut into words.</param>
    /// <param name="normalization">What happens to text before it is cut.</param>
    /// <param name="ignoreMerges">Whether a word that is itself in the vocabulary is taken whole (tokenizer.json's <c>ignore_merges</c>).</param>
    /// <exception cref="ArgumentException">The parts disagree; the message names the token, merge or id.</exception>
    public BpeTokenizer(
        IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyList<AddedToken> addedTokens,
        PreTokenizer preTokenizer,
        TextNormalization normalization = TextNormalization.None,
        bool ignoreMerges = false)
    {
        PreTokenizer = preTokenizer;
        Normalization = normalization;
        IgnoreMerges = ignoreMerges;

        var size = 0;
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw new ArgumentException($"vocab token '{token}' has negative id {id}", nameof(vocab));
            size = Math.Max(size, id + 1);
        }
        foreach (var added in addedTokens)
        {
            if (added.Id < 0) throw new ArgumentException($"added token '{added.Content}' has negative id {added.Id}", nameof(addedTokens));
            if (added.Content.Length == 0) throw new ArgumentException($"added token {added.Id} is empty", nameof(addedTokens));
            size = Math.Max(size, added.Id + 1);
        }

        _tokens = new string?[size];
        _tokenBytes = new byte[size][];
        _isSpecial = new bool[size];
        _vocab = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        _added = new Dictionary<string, int>(StringComparer.Ordinal);
        var addedIds = new Dictionary<int, AddedToken>();
        foreach (var added in addedTokens)
        {
            if (!addedIds.TryAdd(added.Id, added))
                throw new ArgumentException($"added tokens '{addedIds[added.Id].Content}' and '{added.Content}' share id {added.Id}", nameof(addedTokens));
            if (!_added.TryAdd(added.Content, added.Id))
                throw new ArgumentException($"added token '{added.Content}' appears twice", nameof(addedTokens));
            _tokens[added.Id] = added.Content;
            _tokenBytes[added.Id] = Encoding.UTF8.GetBytes(added.Content);
            _isSpecial[added.Id] = added.Special;
        }
        AddedTokens = [.. addedTokens.OrderBy(t => t.Id)];

        var bytes = new List<byte>();
        foreach (var (token, id) in vocab)
        {
            if (_tokens[id] is { } other && !(addedIds.TryGetValue(id, out var a) && a.Content == token))
                throw new ArgumentException($"vocab tokens '{other}' and '{token}' share id {id}", nameof(vocab));
            _vocab.Add(token, id);
            _tokens[id] = token;
            if (addedIds.ContainsKey(id)) continue;
            bytes.Clear();
            if (token.Length == 0 || !ByteLevel.TryDecode(token, bytes))
                throw new ArgumentException($"vocab token '{token}' (id {id}) is not a byte-level string", nameof(vocab));
            _tokenBytes[id] = [.. bytes];
        }
        for (var b = 0; b < 256; b++)
        {
            if (!_vocab.TryGetValue(ByteLevel.ToChar((byte)b).ToString(), out _byteIds[b]))
                throw new ArgumentException($"vocab lacks the single-byte token '{ByteLevel.ToChar((byte)b)}' for byte 0x{b:X2}", nameof(vocab));
        }

        _mergeRanks = new Dictionary<long, int>(merges.Count);
        _mergeResults = new int[merges.Count];
        Merges = [.. merges];
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!_vocab.TryGetValue(left, out var l) || !_vocab.TryGetValue(right, out var r) || !_vocab.TryGetValue(left + right, out var m))
                throw new ArgumentException($"merge {rank} '{left} {right}': '{left}', '{right}' and '{left + right}' must all be in the vocab", nameof(merges));
            // A repeated pair keeps its first (highest-priority) rank, as HF does.
            if (_mergeRanks.TryAdd(PairKey(l, r), rank)) _mergeResults[rank] = m;
        }

        if (_added.Count > 0)
        {
            var alternatives = _added.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).Select(Regex.Escape);
            _addedSplitter = new Regex(string.Join('|', alternatives), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        _addedLookup = _added.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How text is cut into words.</summary>
    public PreTokenizer PreTokenizer { get; }

    /// <summary>What happens to text before it is cut.</summary>
    public TextNormalization Normalization { get; }

    /// <summary>Whether a word that is itself in the vocabulary is taken whole.</summary>
    public bool IgnoreMerges { get; }

    /// <summary>The merge rules, highest priority first.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>The added tokens, by id.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The BPE vocabulary: byte-level spelling → id (added tokens only when the vocabulary itself lists them).</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>One more than the largest id; the size an embedding table needs at least.</summary>
    public int VocabSize => _tokens.Length;

    /// <summary>
    /// This tokenizer with <paramref name="contents"/> added as tokens, given ids from <see cref="VocabSize"/> on in the
    /// order given; contents it already has keep their ids. This is how a loaded Qwen2 tokenizer gets R2ec's
    /// <see cref="SpecialTokens.Answer"/> and <see cref="SpecialTokens.AnswerEnd"/>.
    /// </summary>
    /// <param name="contents">The tokens' texts.</param>
    /// <param name="special">Whether the new tokens are control tokens a decoder may skip.</param>
    public BpeTokenizer WithAddedTokens(IEnumerable<string> contents, bool special = true)
    {
        var added = new List<AddedToken>(AddedTokens);
        var next = VocabSize;
        foreach (var content in contents)
        {
            if (TokenToId(content) is null && added.TrueForAll(t => t.Content != content)) added.Add(new AddedToken(next++, content, special));
        }
        return new BpeTokenizer(_vocab, Merges, added, PreTokenizer, Normalization, IgnoreMerges);
    }

    /// <summary>The id of a token given by its spelling (byte-level for BPE tokens, plain for added ones), or null.</summary>
    public int? TokenToId(string token)
        => _added.TryGetValue(token, out var id) || _vocab.TryGetValue(token, out id) ? id : null;

    /// <summary>The spelling of token <paramref name="id"/>, or null for an unused id.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    /// <summary>The id of an added token that must exist, e.g. <see cref="SpecialTokens.ImEnd"/>.</summary>
    /// <exception cref="KeyNotFoundException">The tokenizer has no such added token.</exception>
    public int SpecialTokenId(string content)
        => _added.TryGetValue(content, out var id) ? id : throw new KeyNotFoundException($"the tokenizer has no added token '{content}'");

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids);
        return [.. ids];
    }

    /// <summary>Appends the token ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(string text, List<int> output)
    {
        if (_addedSplitter is null)
        {
            EncodeSegment(text, output);
            return;
        }
        var at = 0;
        foreach (var match in _addedSplitter.EnumerateMatches(text))
        {
            if (match.Index > at) EncodeSegment(text.AsSpan(at, match.Index - at), output);
            output.Add(_addedLookup[text.AsSpan(match.Index, match.Length)]);
            at = match.Index + match.Length;
        }
        if (at < text.Length) EncodeSegment(text.AsSpan(at), output);
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that are not valid UTF-8 decode as U+FFFD.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecial">Whether special added tokens are left out.</param>
    /// <exception cref="ArgumentOutOfRangeException">An id names no token.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var length = 0;
        foreach (var id in ids) length += TokenBytes(id).Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var at = 0;
            foreach (var id in ids)
            {
                if (skipSpecial && _isSpecial[id]) continue;
                var b = _tokenBytes[id];
                b.CopyTo(buffer, at);
                at += b.Length;
            }
            return Encoding.UTF8.GetString(buffer, 0, at);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes token <paramref name="id"/> stands for (UTF-8 of the content for added tokens).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id names no token.</exception>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if ((uint)id >= (uint)_tokens.Length || _tokenBytes[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in this tokenizer (vocab size {VocabSize})");
        return _tokenBytes[id];
    }

    private void EncodeSegment(ReadOnlySpan<char> segment, List<int> output)
    {
        if (Normalization == TextNormalization.Nfc && UnicodeNfc.MayChange(segment))
        {
            PreTokenizer.Split(UnicodeNfc.Normalize(segment.ToString()), new WordEncoder(this, output));
            return;
        }
        PreTokenizer.Split(segment, new WordEncoder(this, output));
    }

    private readonly struct WordEncoder(BpeTokenizer tokenizer, List<int> output) : IWordSink
    {
        public void Word(ReadOnlySpan<char> word) => output.AddRange(tokenizer.EncodeWord(word));
    }

    private int[] EncodeWord(ReadOnlySpan<char> word)
    {
        if (_cacheLookup.TryGetValue(word, out var cached)) return cached;
        var ids = MergeWord(word);
        // ConcurrentDictionary.Count takes every lock, so the size is tracked apart; a race may overshoot by a few.
        if (_cacheSize < CacheCapacity && _cacheLookup.TryAdd(word, ids)) Interlocked.Increment(ref _cacheSize);
        return ids;
    }

    private int[] MergeWord(ReadOnlySpan<char> word)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rentedBytes = null;
        var bytes = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        var n = Encoding.UTF8.GetBytes(word, bytes);
        try
        {
            if (IgnoreMerges && _vocab.TryGetValue(ByteLevel.Encode(bytes[..n]), out var whole)) return [whole];
            if (n == 1) return [_byteIds[bytes[0]]];

            // ids / prev / next form a linked list of symbols; a dead symbol has id -1. The heap holds candidate
            // merges as (rank << 32 | left position); entries go stale as neighbours merge and are checked on pop.
            int[]? rented = null;
            long[]? rentedHeap = null;
            var scratch = n <= StackLimit ? stackalloc int[3 * n] : (rented = ArrayPool<int>.Shared.Rent(3 * n));
            var ids = scratch[..n];
            var prev = scratch.Slice(n, n);
            var next = scratch.Slice(2 * n, n);
            // At most n - 1 initial pairs plus two per merge are ever pushed: 3n entries suffice.
            var heap = new MinHeap(n <= StackLimit ? stackalloc long[3 * n] : (rentedHeap = ArrayPool<long>.Shared.Rent(3 * n)));
            try
            {
                for (var i = 0; i < n; i++)
                {
                    ids[i] = _byteIds[bytes[i]];
                    prev[i] = i - 1;
                    next[i] = i + 1 < n ? i + 1 : -1;
                }
                for (var i = 0; i + 1 < n; i++) PushPair(ref heap, ids, i, i + 1);

                var count = n;
                while (heap.Count > 0)
                {
                    var top = heap.Pop();
                    var rank = (int)(top >> 32);
                    var left = (int)top;
                    var right = next[left];
                    if (ids[left] < 0 || right < 0 || !_mergeRanks.TryGetValue(PairKey(ids[left], ids[right]), out var current) || current != rank)
                        continue;
                    ids[left] = _mergeResults[rank];
                    ids[right] = -1;
                    next[left] = next[right];
                    if (next[left] >= 0) prev[next[left]] = left;
                    count--;
                    if (prev[left] >= 0) PushPair(ref heap, ids, prev[left], left);
                    if (next[left] >= 0) PushPair(ref heap, ids, left, next[left]);
                }

                var result = new int[count];
                for (int i = 0, k = 0; i >= 0; i = next[i]) result[k++] = ids[i];
                return result;
            }
            finally
            {
                if (rented is not null) ArrayPool<int>.Shared.Return(rented);
                if (rentedHeap is not null) ArrayPool<long>.Shared.Return(rentedHeap);
            }
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
        }
    }

    private void PushPair(ref MinHeap heap, Span<int> ids, int left, int right)
    {
        if (_mergeRanks.TryGetValue(PairKey(ids[left], ids[right]), out var rank))
            heap.Push(((long)rank << 32) | (uint)left);
    }

    internal static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>A binary min-heap over caller-owned storage.</summary>
    private ref struct MinHeap(Span<long> storage)
    {
        private readonly Span<long> _items = storage;

        public int Count { get; private set; }

        public void Push(long item)
        {
            var i = Count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (_items[parent] <= item) break;
                _items[i] = _items[parent];
                i = parent;
            }
            _items[i] = item;
        }

        public long Pop()
        {
            var top = _items[0];
            var last = _items[--Count];
            var i = 0;
            while (true)
            {
                var child = 2 * i + 1;
                if (child >= Count) break;
                if (child + 1 < Count && _items[child + 1] < _items[child]) child++;
                if (_items[child] >= last) break;
                _items[i] = _items[child];
                i = child;
            }
            _items[i] = last;
            return top;
        }
    }
}
