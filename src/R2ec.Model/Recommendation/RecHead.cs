using R2ec.Model.Inference;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Recommendation;

/// <summary>The recommendation head at inference: <c>score(u, v) = cos(h_u, h_v) / τ</c> over every item, history masked.</summary>
public static class RecHead
{
    /// <summary>The paper's temperature τ.</summary>
    public const float DefaultTemperature = 0.02f;

    /// <summary>
    /// Scores of every item for <paramref name="batch"/> users: <paramref name="users"/> [batch, d] (raw hidden states),
    /// <paramref name="scores"/> [batch, items]; the items in <c>histories[b]</c> get −∞.
    /// </summary>
    public static void Scores(ReadOnlySpan<float> users, int batch, ItemTable table, float temperature, IReadOnlyList<int[]> histories, Span<float> scores)
    {
        if (!(temperature > 0f))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}");
        var d = table.Dimension;
        var n = table.Count;
        if (users.Length != batch * d)
            throw new ArgumentException($"{users.Length} floats are not {batch} users × {d} dimensions", nameof(users));
        if (scores.Length != batch * n)
            throw new ArgumentException($"scores hold {scores.Length} floats, need {batch} × {n}", nameof(scores));
        if (histories.Count != batch)
            throw new ArgumentException($"{histories.Count} histories for {batch} users", nameof(histories));
        var normalised = new float[users.Length];
        Cosine.NormalizeRows(users, batch, d, normalised, default);
        RowStableLinear.Forward(normalised, batch, table.Vectors, default, d, n, scores, 1f / temperature);
        for (var b = 0; b < batch; b++)
        {
            foreach (var item in histories[b])
            {
                if ((uint)item >= (uint)n)
                    throw new ArgumentOutOfRangeException(nameof(histories), $"history item {item} of user {b} is outside the {n} items");
                scores[b * n + item] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Scores of every item for one user, history masked to −∞.</summary>
    public static float[] Scores(ReadOnlySpan<float> user, ItemTable table, float temperature, int[] history)
    {
        var scores = new float[table.Count];
        Scores(user, 1, table, temperature, [history], scores);
        return scores;
    }
}
