namespace R2ec.Model.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table: every byte maps to one printable character so that byte-level vocabularies can be
/// stored as JSON strings. Printable Latin-1 bytes map to themselves; the rest ('space', control bytes, ...) are moved
/// up to U+0100 and beyond, in byte order. This is the table every byte-level tokenizer.json (GPT-2, Qwen2) is written in.
/// </summary>
public static class ByteLevel
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly short[] CharToByte = BuildInverse();

    /// <summary>The character that stands for <paramref name="b"/> in byte-level vocabularies.</summary>
    public static char ToChar(byte b) => ByteToChar[b];

    /// <summary>The byte a byte-level character stands for, or -1 when <paramref name="c"/> is not one of the 256.</summary>
    public static int ToByte(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    /// <summary>The byte-level spelling of <paramref name="bytes"/>: one character per byte.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++) chars[i] = ByteToChar[source[i]];
        });
    }

    /// <summary>
    /// The bytes a byte-level string stands for, appended to <paramref name="output"/>; false (with nothing appended)
    /// when some character is not a byte-level character.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, List<byte> output)
    {
        foreach (var c in text)
        {
            if (ToByte(c) < 0) return false;
        }
        foreach (var c in text) output.Add((byte)ToByte(c));
        return true;
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        var printable = new bool[256];
        for (var b = '!'; b <= '~'; b++) printable[b] = true;
        for (var b = '\u00A1'; b <= '\u00AC'; b++) printable[b] = true;
        for (var b = '\u00AE'; b <= '\u00FF'; b++) printable[b] = true;
        var next = 256;
        for (var b = 0; b < 256; b++) table[b] = printable[b] ? (char)b : (char)next++;
        return table;
    }

    private static short[] BuildInverse()
    {
        var inverse = new short[324];
        Array.Fill(inverse, (short)-1);
        for (var b = 0; b < 256; b++) inverse[ByteToChar[b]] = (short)b;
        return inverse;
    }
}
