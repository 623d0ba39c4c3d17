using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

/// <summary>A hand-made byte-level vocabulary small enough to work encodings out on paper.</summary>
internal static class TinyTokenizer
{
    // Byte b has id b; the merges then take 256.. in order; the added tokens follow.
    public static readonly (string Left, string Right)[] Merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("a", "a")];
    public const int GT = 256, He = 257, GThe = 258, Aa = 259, ImStart = 260, ImEnd = 261, Answer = 262, AnswerEnd = 263, EndOfText = 264;

    public static Dictionary<string, int> Vocab()
    {
        var vocab = new Dictionary<string, int>();
        for (var b = 0; b < 256; b++) vocab.Add(ByteLevel.ToChar((byte)b).ToString(), b);
        foreach (var (l, r) in Merges) vocab.Add(l + r, vocab.Count);
        return vocab;
    }

    public static AddedToken[] Added() =>
    [
        new(ImStart, SpecialTokens.ImStart), new(ImEnd, SpecialTokens.ImEnd), new(Answer, SpecialTokens.Answer),
        new(AnswerEnd, SpecialTokens.AnswerEnd), new(EndOfText, SpecialTokens.EndOfText),
    ];

    public static BpeTokenizer Create(TextNormalization normalization = TextNormalization.None)
        => new(Vocab(), Merges, Added(), PreTokenizer.Qwen2, normalization);
}
