using R2ec.RecPO;

namespace R2ec.Training.Compute;

/// <summary>
/// The item columns of a mini-batch's item loss and each row's target column: either its distinct target items, in
/// first-seen order (<see cref="Of"/>), or the whole item table (<see cref="Table"/>).
/// </summary>
/// <param name="Items">The column items (1..N); column <c>j</c> is <c>Items[j]</c>.</param>
/// <param name="Targets">Per row, the column of its target.</param>
/// <param name="FullTable">Whether the columns are the whole table 1..N, whose rows mask their history (<see cref="MaskHistory(ReadOnlySpan{float}, IReadOnlyList{LearnRow})"/>).</param>
public sealed record ItemColumns(int[] Items, int[] Targets, bool FullTable = false)
{
    /// <summary>
    /// Score given to a masked column: far enough below any cosine score over τ that its softmax weight, and so its
    /// gradient, is exactly zero in float arithmetic, yet finite so the item loss's input checks still hold.
    /// </summary>
    public const float MaskedScore = -1e4f;

    /// <summary>The columns of <paramref name="rows"/>' targets.</summary>
    public static ItemColumns Of(IReadOnlyList<LearnRow> rows)
    {
        var distinct = rows.Select(r => r.Sample.Target).Distinct().ToList();
        return new ItemColumns([.. distinct], rows.Select(r => distinct.IndexOf(r.Sample.Target)).ToArray());
    }

    /// <summary>Every item 1..<paramref name="itemCount"/> as a column; row <c>i</c>'s target item <c>t</c> is column <c>t - 1</c>.</summary>
    /// <exception cref="ArgumentException">A target lies outside 1..<paramref name="itemCount"/>.</exception>
    public static ItemColumns Table(IReadOnlyList<LearnRow> rows, int itemCount)
    {
        var targets = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var target = rows[i].Sample.Target;
            if (target < 1 || target > itemCount)
                throw new ArgumentException($"row {i}: target item {target} is outside the table's items 1..{itemCount}", nameof(rows));
            targets[i] = target - 1;
        }
        return new ItemColumns([.. Enumerable.Range(1, itemCount)], targets, FullTable: true);
    }

    /// <summary>The columns of <paramref name="rows"/> for <paramref name="negatives"/>.</summary>
    public static ItemColumns For(ItemNegatives negatives, IReadOnlyList<LearnRow> rows, int itemCount) =>
        negatives == ItemNegatives.Table ? Table(rows, itemCount) : Of(rows);

    /// <summary>
    /// A copy of the [rows × columns] <paramref name="scores"/> in which, for the whole table, each row's history items
    /// other than its target hold <see cref="MaskedScore"/>, as the calibration reward leaves them out of its softmax.
    /// In-batch columns are returned unchanged (they are other users' targets, not this user's candidates).
    /// </summary>
    /// <exception cref="ArgumentException">The scores are not rows × columns.</exception>
    public float[] MaskHistory(ReadOnlySpan<float> scores, IReadOnlyList<LearnRow> rows) =>
        MaskHistory(scores, Items.Length, Targets, FullTable ? rows.Select(r => r.Sample.History).ToArray() : null);

    /// <summary>
    /// Pure form of <see cref="MaskHistory(ReadOnlySpan{float}, IReadOnlyList{LearnRow})"/>: with table columns
    /// (column <c>j</c> = item <c>j + 1</c>), row <c>i</c>'s items in <paramref name="histories"/>[i] except its target
    /// column get <see cref="MaskedScore"/>; null <paramref name="histories"/> copies the scores unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The layout disagrees, or a history item lies outside the table.</exception>
    public static float[] MaskHistory(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<int> targetColumns, IReadOnlyList<int[]>? histories)
    {
        if (columns < 1 || scores.Length != targetColumns.Length * columns)
            throw new ArgumentException($"scores ({scores.Length}) must be rows ({targetColumns.Length}) × columns ({columns})", nameof(scores));
        var masked = scores.ToArray();
        if (histories is null) return masked;
        if (histories.Count != targetColumns.Length)
            throw new ArgumentException($"histories ({histories.Count}) must have one entry per row ({targetColumns.Length})", nameof(histories));
        for (var i = 0; i < targetColumns.Length; i++)
            foreach (var item in histories[i])
            {
                if (item < 1 || item > columns)
                    throw new ArgumentException($"row {i}: history item {item} is outside the table's items 1..{columns}", nameof(histories));
                if (item - 1 != targetColumns[i])
                    masked[i * columns + item - 1] = MaskedScore;
            }
        return masked;
    }

    /// <summary>The old (sampling-weights) log-probability of each row's target, from the scores before any update.</summary>
    public float[] OldLogProbs(ReadOnlySpan<float> scores, IReadOnlyList<LearnRow> rows)
    {
        var old = new float[rows.Count];
        ItemLoss.LogProbabilities(MaskHistory(scores, rows), Items.Length, Targets, old);
        return old;
    }
}

/// <summary>
/// RecPO's loss of one mini-batch from the forward's plain numbers, for every backend: given the new token log-probs and
/// the in-batch item scores, the token and item losses and their gradients with respect to those numbers, already
/// scaled for the optimizer window and the loss weights. A backend back-propagates <c>Σ g·x</c> through its own graph.
/// </summary>
public static class RecPOGradients
{
    /// <summary>Losses and gradients of one mini-batch.</summary>
    /// <param name="Token">Token loss and its diagnostics.</param>
    /// <param name="Item">Item loss and its diagnostics.</param>
    /// <param name="TokenGrad">d total / d logp_new per completion token, scaled.</param>
    /// <param name="ItemGrad">d total / d score per [row, column], scaled.</param>
    public readonly record struct Result(TokenLossResult Token, ItemLossResult Item, float[] TokenGrad, float[] ItemGrad)
    {
        /// <summary>Fraction of the token loss's tokens whose importance weight was capped (0 without weights).</summary>
        public double CappedTokenFraction { get; init; }

        /// <summary>Fraction of the item loss's relabelled rows whose importance weight was capped (0 without weights).</summary>
        public double CappedItemFraction { get; init; }
    }

    /// <summary>
    /// Computes both losses. <paramref name="offsets"/> are the forward's per-row completion offsets (plus the total);
    /// a token the sampler appended instead of drawing is masked out of the token loss.
    /// </summary>
    public static Result Compute(IReadOnlyList<LearnRow> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<float> logpNew,
        ReadOnlySpan<float> scores, ItemColumns columns, ReadOnlySpan<float> oldItemLogProbs, double lossScale, in LearnSettings settings)
    {
        var tokenCount = offsets[^1];
        var logpOld = new float[tokenCount];
        var mask = new float[tokenCount];
        for (var i = 0; i < rows.Count; i++)
        {
            var start = offsets[i];
            rows[i].OldLogprobs.CopyTo(logpOld, start);
            var sampled = rows[i].Tokens.Length - (rows[i].AnswerAppended ? 1 : 0);
            mask.AsSpan(start, sampled).Fill(1f);
        }
        var advantages = rows.Select(r => r.Advantage).ToArray();
        var (tokenWeights, cappedTokens) = TokenImportance(rows, offsets, settings.ImportanceCap);
        var (itemWeights, cappedItems) = ItemImportance(rows, oldItemLogProbs, settings.ImportanceCap);
        var tokenGrad = new float[tokenCount];
        var token = TokenLoss.Compute(offsets, logpNew, logpOld, mask, advantages, settings.Clip, tokenGrad, tokenWeights);
        var itemGrad = new float[scores.Length];
        var item = ItemLoss.Compute(columns.MaskHistory(scores, rows), columns.Items.Length, columns.Targets, oldItemLogProbs, advantages,
            rows.Select(r => r.Relabel).ToArray(), settings.Clip, itemGrad, itemWeights);

        // Surrogates whose gradients are RecPO's: Σ (∂L/∂x)·x, scaled for accumulation over the optimizer window.
        var tokenScale = (float)(lossScale * settings.TokenWeight);
        var itemScale = (float)(lossScale * settings.ItemWeight);
        for (var i = 0; i < tokenGrad.Length; i++) tokenGrad[i] *= tokenScale;
        for (var i = 0; i < itemGrad.Length; i++) itemGrad[i] *= itemScale;
        return new Result(token, item, tokenGrad, itemGrad)
        {
            CappedTokenFraction = token.Tokens == 0 ? 0 : (double)cappedTokens / token.Tokens,
            CappedItemFraction = item.Rows == 0 ? 0 : (double)cappedItems / item.Rows,
        };
    }

    /// <summary>
    /// Per token, the truncated weight of the proximal (<see cref="LearnRow.OldLogprobs"/>) over the behaviour
    /// (<see cref="LearnRow.BehaviourLogprobs"/>) policy, and how many sampled tokens hit the cap; none (empty) when the
    /// cap is 0 or no row carries behaviour log-probs. Appended tokens, which are masked, weigh 1.
    /// </summary>
    private static (float[] Weights, int Capped) TokenImportance(IReadOnlyList<LearnRow> rows, ReadOnlySpan<int> offsets, double cap)
    {
        if (cap <= 0 || rows.All(r => r.BehaviourLogprobs is null))
            return ([], 0);
        var weights = new float[offsets[^1]];
        weights.AsSpan().Fill(1f);
        var capped = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].BehaviourLogprobs is not { } behaviour)
                continue;
            var sampled = rows[i].Tokens.Length - (rows[i].AnswerAppended ? 1 : 0);
            capped += ImportanceWeights.Truncated(rows[i].OldLogprobs.AsSpan(0, sampled), behaviour.AsSpan(0, sampled), cap,
                weights.AsSpan(offsets[i], sampled));
        }
        return (weights, capped);
    }

    /// <summary>
    /// Per row, the truncated weight of the target's proximal item log-prob over the behaviour one, and how many
    /// relabelled rows hit the cap; none (empty) when the cap is 0. A row without a behaviour log-prob weighs 1.
    /// </summary>
    private static (float[] Weights, int Capped) ItemImportance(IReadOnlyList<LearnRow> rows, ReadOnlySpan<float> proximal, double cap)
    {
        if (cap <= 0 || rows.All(r => !double.IsFinite(r.BehaviourItemLogProb)))
            return ([], 0);
        var weights = new float[rows.Count];
        var capped = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            if (!double.IsFinite(rows[i].BehaviourItemLogProb))
            {
                weights[i] = 1f;
                continue;
            }
            weights[i] = (float)ImportanceWeights.Truncated(proximal[i], rows[i].BehaviourItemLogProb, cap, out var hit);
            if (hit && rows[i].Relabel != 0) capped++;
        }
        return (weights, capped);
    }
}
