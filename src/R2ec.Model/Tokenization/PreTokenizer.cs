using System.Text.RegularExpressions;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Splits text into the words BPE works on, as tokenizer.json's <c>pre_tokenizer</c> does: each regex in
/// <see cref="Patterns"/> splits every piece in turn, matches and the text between them both kept as pieces
/// (HF's "Isolated" behaviour); then, when <see cref="ByteLevelUseRegex"/> is set, GPT-2's regex splits once more.
/// The byte-level mapping itself always follows. Other patterns run on .NET's regex, which matches UTF-16 code units;
/// <see cref="Qwen2Pattern"/> is cut by a code-point scanner instead, so characters outside the BMP split as in
/// Hugging Face.
/// </summary>
public sealed class PreTokenizer
{
    /// <summary>Qwen2's split regex: contractions, letters with one leading non-letter, single digits, punctuation runs, whitespace.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2's split regex, the one byte-level pre-tokenizers use when <c>use_regex</c> is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    // A null stage is Qwen2's pattern, cut by Qwen2Splitter rather than by Regex.
    private readonly Regex?[] _stages;

    /// <summary>A pre-tokenizer with the given split regexes, in order.</summary>
    /// <param name="patterns">.NET regexes, each applied to every piece the previous one left.</param>
    /// <param name="byteLevelUseRegex">Whether GPT-2's regex splits once more after <paramref name="patterns"/>.</param>
    public PreTokenizer(IReadOnlyList<string> patterns, bool byteLevelUseRegex)
    {
        Patterns = [.. patterns];
        ByteLevelUseRegex = byteLevelUseRegex;
        var all = byteLevelUseRegex ? [.. Patterns, Gpt2Pattern] : Patterns;
        _stages = new Regex?[all.Count];
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i] == Qwen2Pattern) continue;
            try
            {
                _stages[i] = new Regex(all[i], RegexOptions.Compiled | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"pre-tokenizer pattern {i} '{all[i]}' is not a valid regex: {e.Message}", nameof(patterns), e);
            }
        }
    }

    /// <summary>Qwen2's pre-tokenizer: its split regex, then byte-level without a second regex.</summary>
    public static PreTokenizer Qwen2 { get; } = new([Qwen2Pattern], byteLevelUseRegex: false);

    /// <summary>The split regexes, in the order they apply.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Whether GPT-2's regex splits after <see cref="Patterns"/> (tokenizer.json's ByteLevel <c>use_regex</c>).</summary>
    public bool ByteLevelUseRegex { get; }

    /// <summary>The words of <paramref name="text"/>, in order; they concatenate back to it.</summary>
    public List<string> Split(string text)
    {
        var words = new List<string>();
        Split(text, new WordCollector(words));
        return words;
    }

    /// <summary>Hands every word of <paramref name="text"/> to <paramref name="sink"/>, in order, without allocating.</summary>
    internal void Split<TSink>(ReadOnlySpan<char> text, TSink sink) where TSink : IWordSink
        => SplitStage(text, 0, sink);

    private void SplitStage<TSink>(ReadOnlySpan<char> text, int stage, TSink sink) where TSink : IWordSink
    {
        if (text.IsEmpty) return;
        if (stage == _stages.Length)
        {
            sink.Word(text);
            return;
        }
        var regex = _stages[stage];
        if (regex is null)
        {
            for (var i = 0; i < text.Length;)
            {
                var length = Qwen2Splitter.MatchLength(text, i);
                SplitStage(text.Slice(i, length), stage + 1, sink);
                i += length;
            }
            return;
        }
        var at = 0;
        foreach (var match in regex.EnumerateMatches(text))
        {
            if (match.Index > at) SplitStage(text[at..match.Index], stage + 1, sink);
            SplitStage(text.Slice(match.Index, match.Length), stage + 1, sink);
            at = match.Index + match.Length;
        }
        if (at < text.Length) SplitStage(text[at..], stage + 1, sink);
    }

    private readonly struct WordCollector(List<string> words) : IWordSink
    {
        public void Word(ReadOnlySpan<char> word) => words.Add(word.ToString());
    }
}

/// <summary>Receives the words a <see cref="PreTokenizer"/> cuts, in order.</summary>
internal interface IWordSink
{
    void Word(ReadOnlySpan<char> word);
}
