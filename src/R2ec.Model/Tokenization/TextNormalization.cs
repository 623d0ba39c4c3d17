namespace R2ec.Model.Tokenization;

/// <summary>What a tokenizer does to text before splitting it (tokenizer.json's <c>normalizer</c>).</summary>
public enum TextNormalization
{
    /// <summary>Text is taken as it is.</summary>
    None,

    /// <summary>Unicode canonical composition (NFC), as Qwen2 does; see <see cref="UnicodeNfc"/>.</summary>
    Nfc,
}
