namespace R2ec.Tensors.Ops;

/// <summary>The k largest scores of a row, best first; equal scores keep the lower index first.</summary>
public static class TopK
{
    /// <summary>Writes the indices (and optionally values) of the <c>indices.Length</c> largest scores, best first.</summary>
    public static void Select(ReadOnlySpan<float> scores, Span<int> indices, Span<float> values = default)
    {
        var k = indices.Length;
        if (k > scores.Length)
            throw new ArgumentOutOfRangeException(nameof(indices), $"top-{k} of only {scores.Length} scores");
        if (!values.IsEmpty && values.Length != k)
            throw new ArgumentException($"{values.Length} value slots for top-{k}", nameof(values));
        if (k == 0)
            return;
        // Min-heap of the best k seen so far; the root is the worst of them.
        var heap = indices;
        for (var i = 0; i < k; i++)
        {
            heap[i] = i;
            SiftUp(scores, heap, i);
        }
        for (var i = k; i < scores.Length; i++)
        {
            if (Better(scores, i, heap[0]))
            {
                heap[0] = i;
                SiftDown(scores, heap, 0, k);
            }
        }
        // Heap sort: repeatedly move the worst to the end, leaving the best first.
        for (var end = k - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(scores, heap, 0, end);
        }
        if (!values.IsEmpty)
        {
            for (var i = 0; i < k; i++)
                values[i] = scores[heap[i]];
        }
    }

    /// <summary>Top-k of every row of a [rows, cols] matrix into [rows, k] indices, rows in parallel.</summary>
    public static unsafe void SelectRows(ReadOnlySpan<float> scores, int rows, int cols, int k, Span<int> indices)
    {
        if (indices.Length != rows * k)
            throw new ArgumentException($"{indices.Length} index slots for {rows} rows of top-{k}", nameof(indices));
        fixed (float* ps = scores)
        fixed (int* pi = indices)
        {
            var (sp, ip) = ((nint)ps, (nint)pi);
            Engine.For(rows, 1, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                    Select(new ReadOnlySpan<float>((float*)sp + (long)r * cols, cols), new Span<int>((int*)ip + (long)r * k, k));
            });
        }
    }

    // a ranks above b: higher score, or equal score and lower index; NaN ranks below everything.
    private static bool Better(ReadOnlySpan<float> s, int a, int b)
    {
        var x = s[a];
        var y = s[b];
        if (float.IsNaN(x))
            return false;
        if (float.IsNaN(y))
            return true;
        return x > y || (x == y && a < b);
    }

    private static void SiftUp(ReadOnlySpan<float> s, Span<int> heap, int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Better(s, heap[parent], heap[i]))
                break;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> s, Span<int> heap, int i, int n)
    {
        while (true)
        {
            var l = 2 * i + 1;
            if (l >= n)
                return;
            var worst = l;
            if (l + 1 < n && Better(s, heap[worst], heap[l + 1]))
                worst = l + 1;
            if (!Better(s, heap[i], heap[worst]))
                return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }
}
