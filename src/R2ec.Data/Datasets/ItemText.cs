using System.Net;
using System.Text;

namespace R2ec.Data.Datasets;

/// <summary>Cleans source text for prompts: HTML entities unescaped, whitespace collapsed, long text cut to whole words.</summary>
public static class ItemText
{
    /// <summary>Unescapes HTML entities (<c>&amp;amp;</c>, <c>&amp;#39;</c>, …) and collapses runs of whitespace to one space.</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return string.Empty;
        var decoded = text.Contains('&') ? WebUtility.HtmlDecode(text) : text;
        var builder = new StringBuilder(decoded.Length);
        var space = false;
        foreach (var c in decoded)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space)
                builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>The first <paramref name="maxWords"/> space-separated words of already cleaned text.</summary>
    public static string FirstWords(string text, int maxWords)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWords);
        var words = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ' && ++words == maxWords)
                return text[..i];
        }
        return maxWords == 0 ? string.Empty : text;
    }
}
