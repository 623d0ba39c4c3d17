namespace R2ec.RecPO;

/// <summary>Which items the item loss's softmax runs over (the negatives of each row's target).</summary>
public enum ItemNegatives
{
    /// <summary>The mini-batch's distinct target items, re-encoded with gradient (a few columns; the paper's in-batch loss).</summary>
    InBatch,

    /// <summary>
    /// Every item of the table, re-encoded with gradient as the in-batch columns are, with each row's history masked out
    /// as in the calibration reward: the softmax the reward is computed against.
    /// </summary>
    Table,
}

/// <summary>Value and diagnostics of the item loss of one mini-batch.</summary>
/// <param name="Loss">The negative clipped surrogate averaged over the relabelled rows.</param>
/// <param name="ClipFraction">Fraction of relabelled rows whose clipped term was the minimum.</param>
/// <param name="Rows">Number of relabelled rows (rows with a non-zero relabel weight).</param>
public readonly record struct ItemLossResult(double Loss, double ClipFraction, int Rows);

/// <summary>
/// The item loss of RecPO (DESIGN.md §2 step 5): a softmax of <c>cos(h_u, h_v)/τ</c> over item columns (the
/// mini-batch's distinct target items, or every item: see <see cref="ItemNegatives"/>), and per row (trajectory) the
/// clipped surrogate of <c>ρ = p / p_old</c> weighted by <c>A · relabel</c>, where <c>p</c> is the softmax probability
/// of the row's own target.
/// <para>
/// Layout: <c>scores</c> is row-major [rows × columns]; column <c>j</c> is one item (in-batch, one distinct target of
/// the mini-batch: the G trajectories of a user share a target, so a column per row would make a user's own target a
/// negative); a column a row must not see (its history, for the whole table) holds a very low finite score;
/// <c>targetColumns[i]</c> is the column of row <c>i</c>'s target. Scores are already divided by τ; the caller chains
/// the gradient through 1/τ and the cosine.
/// </para>
/// </summary>
public static class ItemLoss
{
    /// <summary>Writes <c>log p</c> of each row's target under the softmax over the columns (store these as the old log-probs).</summary>
    /// <exception cref="ArgumentException">The layout is inconsistent or a score is not finite.</exception>
    public static void LogProbabilities(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<int> targetColumns, Span<float> logProbs)
    {
        CheckLayout(scores, columns, targetColumns);
        if (logProbs.Length != targetColumns.Length)
            throw new ArgumentException($"log-probs ({logProbs.Length}) must have one entry per row ({targetColumns.Length})", nameof(logProbs));
        for (var i = 0; i < targetColumns.Length; i++)
        {
            var row = scores.Slice(i * columns, columns);
            logProbs[i] = (float)(row[targetColumns[i]] - LogSumExp(row, i));
        }
    }

    /// <summary>Computes the loss and writes its gradient with respect to every score.</summary>
    /// <exception cref="ArgumentException">Lengths disagree, a column is out of range, or a value is not finite.</exception>
    public static ItemLossResult Compute(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<int> targetColumns,
        ReadOnlySpan<float> oldLogProbs, ReadOnlySpan<double> advantages, ReadOnlySpan<float> relabel, ClipRange clip,
        Span<float> gradScores) =>
        Compute(scores, columns, targetColumns, oldLogProbs, advantages, relabel, clip, gradScores, []);

    /// <summary>
    /// The same loss with each row's term (and gradient) multiplied by its importance weight <paramref name="importance"/>
    /// (<see cref="ImportanceWeights"/>: rows sampled by an older policy); empty weights are all 1, the synchronous loss
    /// bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, a column is out of range, or a value is not finite.</exception>
    public static ItemLossResult Compute(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<int> targetColumns,
        ReadOnlySpan<float> oldLogProbs, ReadOnlySpan<double> advantages, ReadOnlySpan<float> relabel, ClipRange clip,
        Span<float> gradScores, ReadOnlySpan<float> importance)
    {
        clip.Validate();
        CheckLayout(scores, columns, targetColumns);
        var rows = targetColumns.Length;
        if (oldLogProbs.Length != rows || advantages.Length != rows || relabel.Length != rows)
            throw new ArgumentException(
                $"old log-probs ({oldLogProbs.Length}), advantages ({advantages.Length}) and relabel ({relabel.Length}) must have one entry per row ({rows})");
        if (!importance.IsEmpty && importance.Length != rows)
            throw new ArgumentException($"importance weights ({importance.Length}) must have one entry per row ({rows})", nameof(importance));
        if (gradScores.Length != scores.Length)
            throw new ArgumentException($"gradient ({gradScores.Length}) must match the scores ({scores.Length})", nameof(gradScores));

        gradScores.Clear();
        var weighted = 0;
        for (var i = 0; i < rows; i++)
            if (relabel[i] != 0) weighted++;
        if (weighted == 0) return new ItemLossResult(0, 0, 0);

        double loss = 0;
        var clippedRows = 0;
        for (var i = 0; i < rows; i++)
        {
            if (relabel[i] == 0) continue;
            var weight = advantages[i] * relabel[i];
            if (!double.IsFinite(weight) || !float.IsFinite(oldLogProbs[i]))
                throw new ArgumentException($"row {i}: advantage {advantages[i]}, relabel {relabel[i]} and old log-prob {oldLogProbs[i]} must be finite");
            var row = scores.Slice(i * columns, columns);
            var logSum = LogSumExp(row, i);
            var logRatio = row[targetColumns[i]] - logSum - oldLogProbs[i];
            var surrogate = ClippedSurrogate.Evaluate(Math.Exp(logRatio), weight, clip, out var dLogRatio, out var clipped);
            if (!importance.IsEmpty)
            {
                if (!(importance[i] >= 0 && float.IsFinite(importance[i])))
                    throw new ArgumentException($"row {i}: importance weight {importance[i]} must be a finite number ≥ 0", nameof(importance));
                surrogate *= importance[i];
                dLogRatio *= importance[i];
            }
            loss -= surrogate / weighted;
            if (clipped) clippedRows++;
            if (dLogRatio == 0) continue;
            // d log p / d s_j = [j = target] - softmax_j.
            var scale = -dLogRatio / weighted;
            var grad = gradScores.Slice(i * columns, columns);
            for (var j = 0; j < columns; j++)
                grad[j] = (float)(-scale * Math.Exp(row[j] - logSum));
            grad[targetColumns[i]] += (float)scale;
        }
        return new ItemLossResult(loss, (double)clippedRows / weighted, weighted);
    }

    private static void CheckLayout(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<int> targetColumns)
    {
        if (columns < 1)
            throw new ArgumentException($"the mini-batch needs at least one item column (got {columns})", nameof(columns));
        if (scores.Length != targetColumns.Length * columns)
            throw new ArgumentException(
                $"scores ({scores.Length}) must be rows ({targetColumns.Length}) × columns ({columns})", nameof(scores));
        for (var i = 0; i < targetColumns.Length; i++)
            if ((uint)targetColumns[i] >= (uint)columns)
                throw new ArgumentException($"row {i}: target column {targetColumns[i]} is outside the {columns} columns", nameof(targetColumns));
    }

    private static double LogSumExp(ReadOnlySpan<float> row, int rowIndex)
    {
        var max = double.NegativeInfinity;
        for (var j = 0; j < row.Length; j++)
        {
            if (!float.IsFinite(row[j]))
                throw new ArgumentException($"score of row {rowIndex}, column {j} is {row[j]}, not a finite number");
            if (row[j] > max) max = row[j];
        }
        var sum = 0.0;
        foreach (var s in row)
            sum += Math.Exp(s - max);
        return max + Math.Log(sum);
    }
}
