using R2ec.RecPO;

namespace R2ec.Training.Compute;

/// <summary>
/// The in-batch item columns of a mini-batch: its distinct target items, in first-seen order, and each row's column.
/// </summary>
/// <param name="Items">Distinct target items (1..N); column <c>j</c> is <c>Items[j]</c>.</param>
/// <param name="Targets">Per row, the column of its target.</param>
public sealed record ItemColumns(int[] Items, int[] Targets)
{
    /// <summary>The columns of <paramref name="rows"/>' targets.</summary>
    public static ItemColumns Of(IReadOnlyList<LearnRow> rows)
    {
        var distinct = rows.Select(r => r.Sample.Target).Distinct().ToList();
        return new ItemColumns([.. distinct], rows.Select(r => distinct.IndexOf(r.Sample.Target)).ToArray());
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
    public readonly record struct Result(TokenLossResult Token, ItemLossResult Item, float[] TokenGrad, float[] ItemGrad);

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
        var tokenGrad = new float[tokenCount];
        var token = TokenLoss.Compute(offsets, logpNew, logpOld, mask, advantages, settings.Clip, tokenGrad);
        var itemGrad = new float[scores.Length];
        var item = ItemLoss.Compute(scores, columns.Items.Length, columns.Targets, oldItemLogProbs, advantages,
            rows.Select(r => r.Relabel).ToArray(), settings.Clip, itemGrad);

        // Surrogates whose gradients are RecPO's: Σ (∂L/∂x)·x, scaled for accumulation over the optimizer window.
        var tokenScale = (float)(lossScale * settings.TokenWeight);
        var itemScale = (float)(lossScale * settings.ItemWeight);
        for (var i = 0; i < tokenGrad.Length; i++) tokenGrad[i] *= tokenScale;
        for (var i = 0; i < itemGrad.Length; i++) itemGrad[i] *= itemScale;
        return new Result(token, item, tokenGrad, itemGrad);
    }
}
