using System.Globalization;

namespace R2ec.Data.Datasets;

/// <summary>Parses one field of a row, failing with the file, line and field name.</summary>
internal static class Fields
{
    /// <summary>A non-negative Unix time; <paramref name="scale"/> turns the source unit into milliseconds.</summary>
    public static long Time(string file, long line, string field, string text, long scale)
    {
        var span = text.AsSpan().Trim();
        long value;
        if (!long.TryParse(span, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            // RecBole writes timestamps as floats ("978300760.0").
            if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw new DataFormatException(file, line, field, $"'{Shorten(text)}' is not a timestamp");
            value = (long)Math.Round(d * scale);
            scale = 1;
        }
        if (value < 0)
            throw new DataFormatException(file, line, field, $"timestamp {value} is negative");
        if (value > long.MaxValue / scale)
            throw new DataFormatException(file, line, field, $"timestamp {value} is out of range");
        return value * scale;
    }

    /// <summary>A finite rating.</summary>
    public static float Rating(string file, long line, string field, string text)
    {
        if (!float.TryParse(text.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
            throw new DataFormatException(file, line, field, $"'{Shorten(text)}' is not a number");
        return value;
    }

    /// <summary>A non-empty key.</summary>
    public static string Key(string file, long line, string field, string text)
    {
        var key = text.Trim();
        if (key.Length == 0)
            throw new DataFormatException(file, line, field, "is empty");
        return key;
    }

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
