using System.Text;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Unicode canonical composition (NFC), Qwen2's normalizer, through the platform's ICU.
/// The build keeps globalization on for this reason: under InvariantGlobalization <see cref="string.Normalize()"/>
/// returns its input unchanged, which would silently skip the normalizer.
/// </summary>
public static class UnicodeNfc
{
    // No code point below U+0300 is changed by NFC or composes with what follows it unless a mark (>= U+0300) follows.
    private const char FirstAffected = '\u0300';

    /// <summary>Whether NFC might change <paramref name="text"/>; false means it certainly does not.</summary>
    public static bool MayChange(ReadOnlySpan<char> text) => text.IndexOfAnyInRange(FirstAffected, char.MaxValue) >= 0;

    /// <summary>The NFC form of <paramref name="text"/>; text with lone surrogates (not valid Unicode) is kept as it is.</summary>
    public static string Normalize(string text)
    {
        if (!MayChange(text))
            return text;
        try
        {
            return text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }
}
