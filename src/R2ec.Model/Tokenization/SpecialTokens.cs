namespace R2ec.Model.Tokenization;

/// <summary>The control tokens of R2ec's prompts, spelled as Qwen2 spells them where Qwen2 has them.</summary>
public static class SpecialTokens
{
    /// <summary>End of text; Qwen2 also pads with it.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Opens a ChatML message; the role follows on the same line.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>Closes a ChatML message.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>Ends the reasoning; the user embedding is read at this token.</summary>
    public const string Answer = "<answer>";

    /// <summary>Closes an answer.</summary>
    public const string AnswerEnd = "</answer>";

    /// <summary>The padding token (Qwen2 pads with <see cref="EndOfText"/>).</summary>
    public const string Pad = EndOfText;

    /// <summary>Every token above, in the order a freshly trained vocabulary gives them ids.</summary>
    public static IReadOnlyList<string> All { get; } = [EndOfText, ImStart, ImEnd, Answer, AnswerEnd];
}
