using System.Text;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition; UAX #15) in managed code, from
/// generated tables. .NET's own <see cref="string.Normalize()"/> needs ICU and passes text through unchanged under
/// InvariantGlobalization, which this repository runs with; this gives the same ids on every machine.
/// </summary>
public static class UnicodeNfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int[]> Decomposition = BuildDecompositions();
    private static readonly Dictionary<long, int> Composition = BuildCompositions();
    private static readonly Dictionary<int, byte> CombiningClass = BuildCombiningClasses();

    /// <summary>The Unicode version of the tables.</summary>
    public static string UnicodeVersion => UnicodeNormalizationData.UnicodeVersion;

    /// <summary>The NFC form of <paramref name="text"/>; the same instance when it is already NFC by a quick check.</summary>
    public static string Normalize(string text)
    {
        var first = FirstAffectedIndex(text);
        if (first < 0) return text;

        var codePoints = new List<int>(text.Length);
        // Every character before the first affected one is a stable starter: only the last of them can take part.
        var start = Math.Max(0, first - 1);
        for (var i = start; i < text.Length;)
        {
            var cp = CodePointAt(text, i);
            i += cp > 0xFFFF ? 2 : 1;
            Decompose(cp, codePoints);
        }
        Reorder(codePoints);
        Compose(codePoints);

        var result = new StringBuilder(text.Length);
        result.Append(text, 0, start);
        foreach (var cp in codePoints)
        {
            if (cp > 0xFFFF) result.Append(char.ConvertFromUtf32(cp));
            else result.Append((char)cp);
        }
        var normalized = result.ToString();
        return normalized == text ? text : normalized;
    }

    /// <summary>Whether <paramref name="text"/> holds a character NFC might change; false means it is NFC.</summary>
    internal static bool MayChange(ReadOnlySpan<char> text) => FirstAffectedIndex(text) >= 0;

    /// <summary>Index of the first character that NFC might change or reorder around, or -1 when there is none.</summary>
    private static int FirstAffectedIndex(ReadOnlySpan<char> text)
        => text.IndexOfAnyInRange((char)UnicodeNormalizationData.FirstAffected, char.MaxValue);

    private static int CodePointAt(string text, int i)
    {
        var c = text[i];
        // A lone surrogate is kept as it is, as a code point of its own.
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) return char.ConvertToUtf32(c, text[i + 1]);
        return c;
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp - SBase is >= 0 and < SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (Decomposition.TryGetValue(cp, out var parts))
        {
            foreach (var part in parts) Decompose(part, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort by combining class inside every run of non-starters.</summary>
    private static void Reorder(List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var ccc = CombiningClassOf(cps[i]);
            if (ccc == 0) continue;
            var cp = cps[i];
            var j = i;
            while (j > 0 && CombiningClassOf(cps[j - 1]) > ccc)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless a character between them blocks it.</summary>
    private static void Compose(List<int> cps)
    {
        var starter = -1;
        var lastClass = 0;
        var kept = 0;
        for (var i = 0; i < cps.Count; i++)
        {
            var cp = cps[i];
            var ccc = CombiningClassOf(cp);
            var adjacent = starter == kept - 1;
            if (starter >= 0 && (adjacent || (lastClass != 0 && lastClass < ccc)) && TryCompose(cps[starter], cp, out var composite))
            {
                cps[starter] = composite;
                continue;
            }
            if (ccc == 0) starter = kept;
            lastClass = ccc;
            cps[kept++] = cp;
        }
        cps.RemoveRange(kept, cps.Count - kept);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first - LBase is >= 0 and < LCount && second - VBase is >= 0 and < VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first - SBase is >= 0 and < SCount && (first - SBase) % TCount == 0 && second - TBase is > 0 and < TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return Composition.TryGetValue(((long)first << 32) | (uint)second, out composite);
    }

    private static int CombiningClassOf(int cp)
        => cp < UnicodeNormalizationData.FirstAffected ? 0 : CombiningClass.GetValueOrDefault(cp);

    private static Dictionary<int, int[]> BuildDecompositions()
    {
        var data = UnicodeNormalizationData.Decompositions;
        var map = new Dictionary<int, int[]>();
        for (var i = 0; i < data.Length;)
        {
            var length = data[i + 1];
            map.Add(data[i], data.Slice(i + 2, length).ToArray());
            i += 2 + length;
        }
        return map;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var data = UnicodeNormalizationData.Compositions;
        var map = new Dictionary<long, int>();
        for (var i = 0; i < data.Length; i += 3) map.Add(((long)data[i] << 32) | (uint)data[i + 1], data[i + 2]);
        return map;
    }

    private static Dictionary<int, byte> BuildCombiningClasses()
    {
        var data = UnicodeNormalizationData.CombiningClasses;
        var map = new Dictionary<int, byte>();
        for (var i = 0; i < data.Length; i += 3)
        {
            for (var cp = data[i]; cp <= data[i + 1]; cp++) map.Add(cp, (byte)data[i + 2]);
        }
        return map;
    }
}
