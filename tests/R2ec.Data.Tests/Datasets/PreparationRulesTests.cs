using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

/// <summary>The defined behaviour for each awkward input, on in-memory logs.</summary>
public class PreparationRulesTests
{
    private const long S = 1000;

    [Test]
    public void Interactions_with_unknown_items_are_dropped_and_counted()
    {
        var log = Log([E("u", "a", 1), E("u", "ghost", 2), E("u", "b", 3)], Meta("a", "b"));
        var d = DatasetPreparer.Prepare(log, new PrepareOptions());
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.UnknownItemInteractions, Is.EqualTo(1));
            Assert.That(d.Items.Select(i => i.Key), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(d.Counts.Interactions, Is.EqualTo(2));
        });
    }

    [Test]
    public void Interactions_with_untitled_items_are_dropped_and_counted()
    {
        var meta = Meta("a", "b");
        meta["b"] = meta["b"] with { Title = "" };
        var d = DatasetPreparer.Prepare(Log([E("u", "a", 1), E("u", "b", 2), E("v", "b", 3)], meta), new PrepareOptions());
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.UntitledItemInteractions, Is.EqualTo(2));
            Assert.That(d.Items.Select(i => i.Key), Is.EqualTo(new[] { "a" }));
        });
    }

    [Test]
    public void Repeated_user_item_events_keep_the_earliest()
    {
        var d = DatasetPreparer.Prepare(Log([E("u", "a", 5), E("u", "b", 6), E("u", "a", 1), E("u", "c", 7)], Meta("a", "b", "c")), new PrepareOptions());
        var last = d.Train.Concat(d.Valid).Concat(d.Test).Single(s => s.Position == 2);
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.DuplicateInteractions, Is.EqualTo(1));
            Assert.That(last.HistoryTimes, Is.EqualTo(new[] { 1 * S, 6 * S }), "the event at t=1 is kept, the one at t=5 dropped");
        });
    }

    [Test]
    public void Non_monotonic_timestamps_are_sorted_and_ties_keep_source_order()
    {
        var d = DatasetPreparer.Prepare(Log([E("u", "c", 9), E("u", "a", 3), E("u", "b", 3), E("u", "d", 1)], Meta("a", "b", "c", "d")), new PrepareOptions());
        var last = d.Train.Concat(d.Valid).Concat(d.Test).Single(s => s.Position == 3);
        Assert.Multiple(() =>
        {
            Assert.That(last.History.Select(i => d.Item(i).Key), Is.EqualTo(new[] { "d", "a", "b" }));
            Assert.That(d.Item(last.Target).Key, Is.EqualTo("c"));
            Assert.That(d.Items.Select(i => i.Key), Is.EqualTo(new[] { "d", "a", "b", "c" }), "items are numbered by first event");
        });
    }

    [Test]
    public void Histories_keep_the_last_window_items()
    {
        var events = Enumerable.Range(0, 6).Select(i => E("u", $"i{i}", i)).ToList();
        var d = DatasetPreparer.Prepare(Log(events, Meta(events.Select(e => e.Item).ToArray())), new PrepareOptions { HistoryWindow = 2 });
        var all = d.Train.Concat(d.Valid).Concat(d.Test).OrderBy(s => s.Position).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(s => s.History.Length), Is.EqualTo(new[] { 1, 2, 2, 2, 2 }));
            Assert.That(all[^1].History, Is.EqualTo(new[] { 4, 5 }));
            Assert.That(all[^1].Target, Is.EqualTo(6));
        });
    }

    [Test]
    public void The_time_window_drops_events_outside_it()
    {
        var d = DatasetPreparer.Prepare(Log([E("u", "a", 1), E("u", "b", 5), E("u", "c", 10), E("u", "d", 11)], Meta("a", "b", "c", "d")),
            new PrepareOptions { Since = DateTimeOffset.FromUnixTimeSeconds(5), Until = DateTimeOffset.FromUnixTimeSeconds(11) });
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.OutsideTimeWindow, Is.EqualTo(2));
            Assert.That(d.Items.Select(i => i.Key), Is.EqualTo(new[] { "b", "c" }));
            Assert.That(d.FirstTime, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(5)));
        });
    }

    [Test]
    public void The_k_core_filter_repeats_until_stable()
    {
        // k = 2: user t and item z have one event each; without z, user w drops to one event and goes in the second round.
        var events = new[] { E("u", "x", 1), E("u", "y", 2), E("v", "x", 3), E("v", "y", 4), E("w", "y", 5), E("w", "z", 6), E("t", "y", 7) };
        var d = DatasetPreparer.Prepare(Log([.. events], Meta("x", "y", "z")), new PrepareOptions { KCore = 2 });
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.Users, Is.EqualTo(2));
            Assert.That(d.Counts.KCoreRemoved, Is.EqualTo(3));
            Assert.That(d.Counts.Samples, Is.EqualTo(2));
        });
    }

    [Test]
    public void The_time_split_is_80_10_10_by_target_time()
    {
        var events = Enumerable.Range(0, 11).Select(i => E("u", $"i{i}", 100 - i)).Concat(Enumerable.Range(0, 11).Select(i => E("v", $"j{i}", 2 * i))).ToList();
        var d = DatasetPreparer.Prepare(Log(events, Meta(events.Select(e => e.Item).ToArray())), new PrepareOptions());
        Assert.Multiple(() =>
        {
            Assert.That((d.Train.Count, d.Valid.Count, d.Test.Count), Is.EqualTo((16, 2, 2)));
            Assert.That(d.Train.Select(s => s.TargetTime), Is.Ordered);
            Assert.That(d.Valid.Min(s => s.TargetTime), Is.GreaterThanOrEqualTo(d.Train.Max(s => s.TargetTime)));
            Assert.That(d.Test.Min(s => s.TargetTime), Is.GreaterThanOrEqualTo(d.Valid.Max(s => s.TargetTime)));
        });
    }

    [Test]
    public void Descriptions_are_cut_to_the_configured_words()
    {
        var meta = Meta("a", "b");
        meta["a"] = meta["a"] with { Description = "one two three four" };
        var d = DatasetPreparer.Prepare(Log([E("u", "a", 1), E("u", "b", 2)], meta), new PrepareOptions { DescriptionWords = 3 });
        Assert.That(d.Item(1).Description, Is.EqualTo("one two three"));
    }

    [Test]
    public void Options_that_need_timestamps_fail_on_order_only_logs()
    {
        var log = new InteractionLog { Format = "t", Interactions = [E("u", "a", 0)], HasTimestamps = false };
        Assert.Multiple(() =>
        {
            Assert.That(() => DatasetPreparer.Prepare(log, new PrepareOptions { Since = DateTimeOffset.UnixEpoch }), Throws.ArgumentException);
            Assert.That(() => DatasetPreparer.Prepare(log, new PrepareOptions { Split = SplitMode.ByTime }), Throws.ArgumentException);
            Assert.That(() => DatasetPreparer.Prepare(log, new PrepareOptions { HistoryWindow = 0 }), Throws.ArgumentException);
        });
    }

    private static Interaction E(string user, string item, long seconds) => new(user, item, 4f, seconds * S, Order++);

    private static long Order;

    private static InteractionLog Log(List<Interaction> events, Dictionary<string, ItemMetadata> items) =>
        new() { Format = "test", Interactions = events, Items = items, HasTimestamps = true };

    private static Dictionary<string, ItemMetadata> Meta(params string[] keys) =>
        keys.ToDictionary(k => k, k => new ItemMetadata(k, "Title " + k, null, null, string.Empty, []));
}
