using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Row gather from an embedding table, with the scatter-add backward.</summary>
public static class Embedding
{
    /// <summary>Rows <c>table[ids[i]]</c> as [ids.Length, dim].</summary>
    public static Variable Lookup(Tape tape, Variable table, ReadOnlySpan<int> ids)
    {
        var dim = table.Value.Cols;
        var y = tape.Allocate(false, ids.Length, dim);
        Gather(table.Value.Span, table.Value.RowCount, dim, ids, y.Span);
        var saved = ids.ToArray();
        return tape.Op(y, dy =>
        {
            ScatterAdd(dy.Span, saved, dim, tape.GradOf(table).Span);
        }, table);
    }

    /// <summary><c>y[i] = table[ids[i]]</c>; an id outside the table is an error naming its position.</summary>
    public static void Gather(ReadOnlySpan<float> table, int rows, int dim, ReadOnlySpan<int> ids, Span<float> y)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((uint)id >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} at position {i} is outside the table of {rows} rows");
            table.Slice(id * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }

    /// <summary>
    /// <c>grad[ids[i]] += dy[i]</c> in position order; columns are split over threads so repeated ids
    /// accumulate in the same order for any thread count.
    /// </summary>
    public static unsafe void ScatterAdd(ReadOnlySpan<float> dy, ReadOnlySpan<int> ids, int dim, Span<float> grad)
    {
        fixed (float* pdy = dy, pg = grad)
        fixed (int* pids = ids)
        {
            var d = (nint)pdy;
            var g = (nint)pg;
            var idp = (nint)pids;
            var n = ids.Length;
            Engine.For((dim + 15) / 16, 2, (c0, c1) =>
            {
                var start = c0 * 16;
                var width = Math.Min(dim, c1 * 16) - start;
                for (var i = 0; i < n; i++)
                {
                    var row = new Span<float>((float*)g + (long)((int*)idp)[i] * dim + start, width);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>((float*)d + (long)i * dim + start, width), row);
                }
            });
        }
    }
}
