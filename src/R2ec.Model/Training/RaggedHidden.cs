using R2ec.Model.Policy;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Training;

/// <summary>
/// Hidden states of chosen (sequence, position) pairs of a ragged batch, on the tape. Sequences are grouped into
/// length buckets, each run right-padded only to its own longest member, so padding costs at most
/// <see cref="PaddingSlack"/> of the real tokens instead of up to the whole batch's spread of lengths.
/// </summary>
internal static class RaggedHidden
{
    /// <summary>Largest fraction of padded positions a bucket may add over its real tokens.</summary>
    public const double PaddingSlack = 0.15;

    /// <summary>[requests, d]: the post-final-norm hidden state at each requested (sequence, position), in request order.</summary>
    public static Variable Gather(Tape tape, R2ecPolicy policy, IReadOnlyList<int[]> sequences, IReadOnlyList<(int Sequence, int Position)> requests)
    {
        if (sequences.Count == 0)
            throw new ArgumentException("an empty batch", nameof(sequences));
        for (var i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length == 0)
                throw new ArgumentException($"sequence {i} is empty", nameof(sequences));
            if (sequences[i].Length > policy.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"sequence {i} of {sequences[i].Length} tokens exceeds max_position_embeddings {policy.Config.MaxPositionEmbeddings}", nameof(sequences));
        }
        var buckets = Buckets(sequences);
        var bucketOf = new (int Bucket, int Index)[sequences.Count];
        for (var b = 0; b < buckets.Count; b++)
        for (var j = 0; j < buckets[b].Length; j++)
            bucketOf[buckets[b][j]] = (b, j);

        var parts = new List<Variable>(buckets.Count);
        var placeOf = new int[requests.Count];
        var offset = 0;
        for (var b = 0; b < buckets.Count; b++)
        {
            var members = buckets[b];
            var seq = members.Max(i => sequences[i].Length);
            var rows = new List<int>();
            for (var r = 0; r < requests.Count; r++)
            {
                var (s, p) = requests[r];
                if (bucketOf[s].Bucket != b)
                    continue;
                if ((uint)p >= (uint)sequences[s].Length)
                    throw new ArgumentOutOfRangeException(nameof(requests), $"position {p} is outside sequence {s} of {sequences[s].Length} tokens");
                placeOf[r] = offset + rows.Count;
                rows.Add(bucketOf[s].Index * seq + p);
            }
            if (rows.Count == 0)
                continue;
            var ids = new int[members.Length * seq];
            Array.Fill(ids, policy.PadId);
            for (var j = 0; j < members.Length; j++)
                sequences[members[j]].CopyTo(ids, j * seq);
            parts.Add(Embedding.Lookup(tape, policy.Hidden(tape, ids, members.Length, seq), rows.ToArray()));
            offset += rows.Count;
        }
        var all = parts.Count == 1 ? parts[0] : RowConcat.Apply(tape, parts);
        return IsIdentity(placeOf) ? all : Embedding.Lookup(tape, all, placeOf);
    }

    // Longest first; a bucket grows while its padded size stays within the slack over its real tokens.
    private static List<int[]> Buckets(IReadOnlyList<int[]> sequences)
    {
        var order = Enumerable.Range(0, sequences.Count).OrderByDescending(i => sequences[i].Length).ThenBy(i => i).ToArray();
        var buckets = new List<int[]>();
        var current = new List<int>();
        long longest = 0, real = 0;
        foreach (var i in order)
        {
            long len = sequences[i].Length;
            if (current.Count > 0 && longest * (current.Count + 1) > (1 + PaddingSlack) * (real + len))
            {
                buckets.Add(current.ToArray());
                current.Clear();
                real = 0;
            }
            if (current.Count == 0)
                longest = len;
            current.Add(i);
            real += len;
        }
        buckets.Add(current.ToArray());
        return buckets;
    }

    private static bool IsIdentity(int[] permutation)
    {
        for (var i = 0; i < permutation.Length; i++)
        {
            if (permutation[i] != i)
                return false;
        }
        return true;
    }
}

/// <summary>Stacks the rows of several [rows_k, cols] variables into one, with the split backward.</summary>
internal static class RowConcat
{
    public static Variable Apply(Tape tape, IReadOnlyList<Variable> parts)
    {
        var cols = parts[0].Value.Cols;
        if (parts.Any(p => p.Value.Cols != cols))
            throw new ArgumentException("parts have different column counts", nameof(parts));
        var total = parts.Sum(p => p.Value.RowCount);
        var y = tape.Allocate(false, total, cols);
        var at = 0;
        foreach (var p in parts)
        {
            p.Value.Span.CopyTo(y.Span.Slice(at, p.Value.Length));
            at += p.Value.Length;
        }
        var inputs = parts.ToArray();
        return tape.Op(y, dy =>
        {
            var from = 0;
            foreach (var p in inputs)
            {
                if (p.RequiresGrad)
                {
                    var g = tape.GradOf(p).Span;
                    System.Numerics.Tensors.TensorPrimitives.Add(g, dy.Span.Slice(from, p.Value.Length), g);
                }
                from += p.Value.Length;
            }
        }, inputs);
    }
}
