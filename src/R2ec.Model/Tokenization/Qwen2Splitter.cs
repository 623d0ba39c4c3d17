using System.Globalization;

namespace R2ec.Model.Tokenization;

/// <summary>
/// <see cref="PreTokenizer.Qwen2Pattern"/> as a hand-written scanner over code points. .NET's regex sees UTF-16 code
/// units, so a letter or digit outside the BMP (CJK extension B, mathematical letters) is not <c>\p{L}</c> to it, while
/// it is to Hugging Face's engine; reading code points gives Hugging Face's pieces, and it is faster. On BMP text it
/// cuts exactly where the regex does (a test compares the two).
/// </summary>
internal static class Qwen2Splitter
{
    /// <summary>The length of the piece starting at <paramref name="i"/>: the regex's first alternative that matches there.</summary>
    public static int MatchLength(ReadOnlySpan<char> text, int i)
    {
        var (c, width) = Read(text, i);
        var kind = KindOf(c);

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && Contraction(text, i + 1) is var contraction and > 0) return 1 + contraction;

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == Kind.Letter) return width + Run(text, i + width, Kind.Letter);
        if (c is not ('\r' or '\n') && kind != Kind.Number && i + width < text.Length && KindOf(Read(text, i + width).CodePoint) == Kind.Letter)
            return width + Run(text, i + width, Kind.Letter);

        // \p{N}
        if (kind == Kind.Number) return width;

        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        var start = c == ' ' && i + 1 < text.Length && KindOf(Read(text, i + 1).CodePoint) == Kind.Other ? i + 1 : i;
        if (KindOf(Read(text, start).CodePoint) == Kind.Other)
        {
            var end = start + Run(text, start, Kind.Other);
            while (end < text.Length && text[end] is '\r' or '\n') end++;
            return end - i;
        }

        // What is left starts with whitespace: \s*[\r\n]+ ends after the run's last line break ...
        var runEnd = i + Run(text, i, Kind.Space);
        for (var k = runEnd - 1; k >= i; k--)
        {
            if (text[k] is '\r' or '\n') return k + 1 - i;
        }
        // ... \s+(?!\S) leaves the run's last space to the word after it, \s+ takes a single space.
        if (runEnd == text.Length || runEnd - i == 1) return runEnd - i;
        return runEnd - 1 - i;
    }

    private enum Kind { Letter, Number, Space, Other }

    private static Kind KindOf(int cp)
    {
        if (cp < 0x80)
        {
            if ((uint)((cp | 0x20) - 'a') <= 'z' - 'a') return Kind.Letter;
            if ((uint)(cp - '0') <= 9) return Kind.Number;
            return cp is ' ' or (>= '\t' and <= '\r') ? Kind.Space : Kind.Other;
        }
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Kind.Space,
            _ => cp == 0x85 ? Kind.Space : Kind.Other,
        };
    }

    /// <summary>The code point at <paramref name="i"/> and its width in chars; a lone surrogate stands for itself.</summary>
    private static (int CodePoint, int Width) Read(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            return (char.ConvertToUtf32(c, text[i + 1]), 2);
        return (c, 1);
    }

    /// <summary>Chars from <paramref name="i"/> while the code points are of <paramref name="kind"/>.</summary>
    private static int Run(ReadOnlySpan<char> text, int i, Kind kind)
    {
        var at = i;
        while (at < text.Length)
        {
            var (cp, width) = Read(text, at);
            if (KindOf(cp) != kind) break;
            at += width;
        }
        return at - i;
    }

    /// <summary>Length of s, t, m, d, re, ve or ll (any case) at <paramref name="i"/>, or 0.</summary>
    private static int Contraction(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length) return 0;
        // U+017F (long s) case-folds to 's', so case-insensitive engines match it there too.
        var a = text[i] == '\u017f' ? 's' : char.ToLowerInvariant(text[i]);
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (i + 1 >= text.Length) return 0;
        var b = char.ToLowerInvariant(text[i + 1]);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 2 : 0;
    }
}
