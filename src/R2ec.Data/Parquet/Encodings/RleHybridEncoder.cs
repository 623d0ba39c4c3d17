using System.Buffers;

namespace R2ec.Data.Parquet.Encodings;

/// <summary>Encodes values with the RLE / bit-packed hybrid: runs of 8 or more equal values as RLE, the rest bit-packed.</summary>
internal static class RleHybridEncoder
{
    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ArrayBufferWriter<byte> output)
    {
        var literalStart = 0;
        var i = 0;
        while (i < values.Length)
        {
            var run = 1;
            while (i + run < values.Length && values[i + run] == values[i]) run++;
            if (run >= 8)
            {
                // Literal groups hold 8 values each: borrow from the run to fill the last group.
                var pad = (8 - (i - literalStart) % 8) % 8;
                if (run - pad >= 8)
                {
                    i += pad;
                    WriteLiterals(values[literalStart..i], bitWidth, output);
                    WriteRun(values[i], run - pad, bitWidth, output);
                    i += run - pad;
                    literalStart = i;
                    continue;
                }
            }
            i += run;
        }
        WriteLiterals(values[literalStart..], bitWidth, output);
    }

    private static void WriteRun(int value, int count, int bitWidth, ArrayBufferWriter<byte> output)
    {
        WriteUleb((ulong)count << 1, output);
        var bytes = (bitWidth + 7) / 8;
        var span = output.GetSpan(bytes);
        for (var b = 0; b < bytes; b++) span[b] = (byte)(value >> (8 * b));
        output.Advance(bytes);
    }

    private static void WriteLiterals(ReadOnlySpan<int> values, int bitWidth, ArrayBufferWriter<byte> output)
    {
        if (values.IsEmpty) return;
        var groups = (values.Length + 7) / 8;
        WriteUleb(((ulong)groups << 1) | 1, output);
        var bytes = groups * bitWidth;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        foreach (var v in values)
        {
            acc |= (ulong)(uint)v << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                span[pos++] = (byte)acc;
                acc >>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) span[pos] = (byte)acc;
        output.Advance(bytes);
    }

    public static void WriteUleb(ulong value, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        output.Advance(n);
    }
}
