namespace R2ec.Model.Tokenization;

/// <summary>What a tokenizer does to text before splitting it (tokenizer.json's <c>normalizer</c>).</summary>
public enum TextNormalization
{
    /// <summary>Text is taken as it is.</summary>
    None,

    /// <summary>
    /// Unicode canonical composition, as Qwen2 does, by <see cref="string.Normalize(System.Text.NormalizationForm)"/>.
    /// That needs ICU: a process running with InvariantGlobalization (this repository's default) passes text through
    /// unchanged, which is exact for text that is already NFC and keeps decomposed text decodable to itself.
    /// </summary>
    Nfc,
}
