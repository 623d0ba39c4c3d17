using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Compute;

/// <summary>
/// The item loss's columns: the in-batch targets or the whole item table with each row's history masked, as the
/// calibration reward does; and, through the learner's own path, that the table negatives see ρ = 1 at the weights
/// that sampled the batch.
/// </summary>
public sealed class ItemColumnsTests
{
    [Test]
    public void Table_columns_are_every_item_and_a_targets_column_is_its_number_minus_one()
    {
        var columns = ItemColumns.Table([Row(target: 3, history: [1]), Row(target: 5, history: [2])], itemCount: 5);
        Assert.Multiple(() =>
        {
            Assert.That(columns.Items, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
            Assert.That(columns.Targets, Is.EqualTo(new[] { 2, 4 }));
            Assert.That(columns.FullTable, Is.True);
            Assert.That(ItemColumns.Of([Row(3, [1]), Row(5, [2]), Row(3, [4])]).Targets, Is.EqualTo(new[] { 0, 1, 0 }), "in-batch: distinct targets");
        });
        var error = Assert.Throws<ArgumentException>(() => ItemColumns.Table([Row(target: 6, history: [])], itemCount: 5));
        Assert.That(error!.Message, Does.Contain("target item 6").And.Contain("1..5"));
    }

    [Test]
    public void History_items_but_not_the_target_are_masked_and_get_no_gradient()
    {
        // Two rows over 4 items; row 0 (target item 2) has items 1, 2 and 4 in its history, row 1 (target item 3) item 3.
        float[] scores = [1, 2, 3, 4, 5, 6, 7, 8];
        var masked = ItemColumns.MaskHistory(scores, 4, [1, 2], [[1, 2, 4], [3]]);
        var m = ItemColumns.MaskedScore;
        Assert.That(masked, Is.EqualTo(new[] { m, 2, 3, m, 5, 6, 7, 8 }), "history masked except the target");
        Assert.That(ItemColumns.MaskHistory(scores, 4, [1, 2], null), Is.EqualTo(scores), "in-batch columns are left as they are");

        var grad = new float[8];
        ItemLoss.Compute(masked, 4, [1, 2], [-1f, -1f], [1.0, 1.0], [1f, 1f], new ClipRange(0.2, 0.28), grad);
        Assert.Multiple(() =>
        {
            Assert.That(grad[0], Is.EqualTo(0f), "a masked column takes no gradient");
            Assert.That(grad[3], Is.EqualTo(0f));
            Assert.That(grad[2], Is.GreaterThan(0f), "descent pushes an unmasked negative down");
            Assert.That(grad[1], Is.LessThan(0f), "and the target up");
        });
        Assert.Throws<ArgumentException>(() => ItemColumns.MaskHistory(scores, 4, [1, 2], [[5], []]), "history outside the table");
    }

    [Test]
    public void With_table_negatives_the_item_ratio_is_one_at_the_weights_that_sampled_the_batch()
    {
        // One mini-batch at learning rate 0: with ρ = 1 the clipped surrogate is A, so the item loss is minus the mean
        // advantage of the relabelled rows (trajectory 0 of each group wins: A = 1.5). Old log-probs over other columns
        // than the learner's (or unmasked where the learner masks) would move ρ off 1.
        using var h = new RecPOHarness("Rollout:MaxNewTokens=4", "Rollout:TopK=0", "Learner:MiniBatchSize=8", "Learner:PpoEpochs=1",
            "RecPO:ItemNegatives=Table");
        var groups = Enumerable.Range(0, 2).Select(i => h.Reward(h.Rollout(0, i), t => t.GroupIndex == 0 ? 1 : 0)).ToList();
        var rows = RecPOUpdate.Rows(groups, h.Train);
        var expected = -rows.Where(r => r.Relabel != 0).Average(r => r.Advantage * r.Relabel);
        var stats = h.Learn(groups, 0).Single();
        Assert.That(expected, Is.EqualTo(-1.5).Within(1e-6), "the winners are relabelled");
        Assert.That(stats.ItemLoss, Is.EqualTo(expected).Within(1e-5), "ρ = 1 for every relabelled row");
    }

    private static LearnRow Row(int target, int[] history) =>
        new(new R2ec.Data.Datasets.Sample(0, "u", 1, history, [.. history.Select(_ => float.NaN)], [.. history.Select(_ => 0L)], target, float.NaN, 0),
            [1], [2], [0f], 1.0, 1f, false);
}
