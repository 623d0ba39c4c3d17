using R2ec.Data.Datasets;
using R2ec.Data.Prompts;

namespace R2ec.Data.Tests.Datasets;

/// <summary>No text shown to the model may depend on interactions after the train split's cut-off.</summary>
public class ItemTextLeakTests
{
    private static string Text(ItemRecord item) =>
        string.Join("\n", PromptBuilder.ItemPrompt(item, new PromptOptions()).Messages.Select(m => m.Content));

    [Test]
    public void Synthetic_item_text_is_unchanged_when_everything_after_the_train_cut_off_changes()
    {
        var log = SyntheticGenerator.Generate(new SyntheticOptions()).Log;
        // The generator knows the whole log, so it must not summarise it into item metadata; the preparer does that from train.
        Assert.That(log.Items!.Values.Where(m => m.AverageRating is not null || m.RatingCount is not null), Is.Empty,
            "synthetic metadata carries no statistics over the whole log");
        var prepared = DatasetPreparer.Prepare(log, new PrepareOptions());
        var cutOff = prepared.Train.Max(s => s.TargetTime);
        Assert.That(prepared.Valid.Concat(prepared.Test).Min(s => s.TargetTime), Is.GreaterThanOrEqualTo(cutOff), "a split by time");

        // After the cut-off: every rating flipped, and every event moved onto the train split's most popular item when the
        // user has not had it yet, so a count or an average over the whole log would change a lot.
        var popular = prepared.Item(prepared.Train.GroupBy(s => s.Target).MaxBy(g => g.Count())!.Key).Key;
        var had = log.Interactions.Where(e => e.Item == popular).Select(e => e.User).ToHashSet();
        var moved = 0;
        var changed = log.Interactions.Select(e =>
        {
            if (e.Time <= cutOff)
                return e;
            var item = e.Item;
            if (had.Add(e.User))
            {
                item = popular;
                moved++;
            }
            return e with { Item = item, Rating = 6 - e.Rating };
        }).ToList();
        Assert.That(moved, Is.GreaterThan(10), "the change moves many events onto one item");
        var again = DatasetPreparer.Prepare(new InteractionLog
        {
            Format = log.Format, Interactions = changed, Items = log.Items, HasTimestamps = true,
        }, new PrepareOptions());

        Assert.That(again.Train, Is.EqualTo(prepared.Train), "the train split itself is untouched");
        var before = prepared.Items.ToDictionary(i => i.Key);
        var compared = 0;
        foreach (var item in again.Items.Where(i => before.ContainsKey(i.Key)))
        {
            Assert.That(Text(item), Is.EqualTo(Text(before[item.Key])), $"item {item.Key}");
            compared++;
        }
        // Items seen only after the cut-off may vanish when their events move; every item the train split shows remains.
        Assert.That(compared, Is.GreaterThanOrEqualTo(prepared.Train.Select(s => s.Target).Distinct().Count()));
        Assert.That(Text(before[popular]), Does.Contain("ratings)"), "the text does show train statistics");
    }

    [Test]
    public void A_catalogues_own_rating_statistics_are_replaced_by_the_train_splits()
    {
        // Amazon's average_rating and rating_number count every review ever written, test-period ones included.
        long order = 0;
        Interaction E(string user, string item, float rating, long t) => new(user, item, rating, t * 1000, order++);
        var events = new List<Interaction>();
        for (var u = 0; u < 10; u++)
        {
            events.Add(E($"u{u}", "a", 5, u * 10 + 1));
            events.Add(E($"u{u}", "b", 3, u * 10 + 2));
        }
        var items = new Dictionary<string, ItemMetadata>
        {
            ["a"] = new("a", "Title a", 1.2f, 812, string.Empty, []),
            ["b"] = new("b", "Title b", 4.9f, 9000, string.Empty, []),
        };
        var d = DatasetPreparer.Prepare(new InteractionLog { Format = "test", Interactions = events, Items = items, HasTimestamps = true },
            new PrepareOptions());
        var cutOff = d.Train.Max(s => s.TargetTime);
        var a = d.Items.Single(i => i.Key == "a");
        var b = d.Items.Single(i => i.Key == "b");
        Assert.Multiple(() =>
        {
            Assert.That(a.RatingCount, Is.EqualTo(events.Count(e => e.Item == "a" && e.Time < cutOff)), "a's events before the cut-off");
            Assert.That(a.AverageRating, Is.EqualTo(5f));
            Assert.That(b.RatingCount, Is.EqualTo(d.Train.Count), "b is every train target");
            Assert.That(b.AverageRating, Is.EqualTo(3f));
            Assert.That(Text(a), Does.Not.Contain("812").And.Not.Contain("1.2"));
        });
    }
}
