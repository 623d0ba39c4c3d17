using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class SyntheticGeneratorTests
{
    private static readonly Lazy<SyntheticWorld> World = new(() => SyntheticGenerator.Generate(new SyntheticOptions()));
    private static readonly Lazy<PreparedDataset> Prepared = new(() => DatasetPreparer.Prepare(World.Value.Log, new PrepareOptions()));

    [Test]
    public void Defaults_make_a_small_dataset_marked_synthetic()
    {
        var world = World.Value;
        var perUser = world.Log.Interactions.GroupBy(e => e.User).Select(g => g.Count()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(world.Items, Has.Count.EqualTo(300));
            Assert.That(world.Users, Has.Count.EqualTo(200));
            Assert.That(perUser, Has.Count.EqualTo(200));
            Assert.That(perUser.Min(), Is.GreaterThanOrEqualTo(10));
            Assert.That(perUser.Max(), Is.LessThanOrEqualTo(30));
            Assert.That(world.Items.Select(i => i.Title).Distinct().Count(), Is.EqualTo(300));
            Assert.That(world.Log.Note, Does.StartWith("SYNTHETIC"));
            Assert.That(Prepared.Value.Note, Does.StartWith("SYNTHETIC"));
            Assert.That(world.Log.Items!["S0001"].Description, Does.Contain("Synthetic item"));
        });
    }

    [Test]
    public void Same_seed_same_log_other_seed_other_log()
    {
        var again = SyntheticGenerator.Generate(new SyntheticOptions());
        var other = SyntheticGenerator.Generate(new SyntheticOptions { Seed = 7 });
        Assert.Multiple(() =>
        {
            Assert.That(again.Log.Interactions, Is.EqualTo(World.Value.Log.Interactions));
            Assert.That(again.Items, Is.EqualTo(World.Value.Items));
            Assert.That(other.Log.Interactions, Is.Not.EqualTo(World.Value.Log.Interactions));
        });
    }

    [Test]
    public void A_user_does_not_depend_on_how_many_users_there_are()
    {
        var fewer = SyntheticGenerator.Generate(new SyntheticOptions { Users = 5 });
        var firstUser = World.Value.Log.Interactions.Where(e => e.User == "U001").Select(e => (e.Item, e.Rating, e.Time));
        Assert.That(fewer.Log.Interactions.Where(e => e.User == "U001").Select(e => (e.Item, e.Rating, e.Time)), Is.EqualTo(firstUser));
    }

    [Test]
    public void Popularity_is_skewed_and_drifts_over_time()
    {
        var events = World.Value.Log.Interactions;
        var counts = events.GroupBy(e => e.Item).Select(g => g.Count()).OrderDescending().ToList();
        var middle = events.Select(e => e.Time).Order().ElementAt(events.Count / 2);
        var earlyTop = TopItems(events.Where(e => e.Time < middle), 10);
        var lateTop = TopItems(events.Where(e => e.Time >= middle), 10);
        Assert.Multiple(() =>
        {
            Assert.That(counts.Take(30).Sum(), Is.GreaterThan(3 * counts.Skip(counts.Count - 30).Sum()), "the top tenth of items gets over 3x the bottom tenth");
            Assert.That(earlyTop.Intersect(lateTop).Count(), Is.LessThan(5), "most of the early best sellers are not the late ones");
        });
    }

    [Test]
    public void Inferring_tastes_from_history_titles_ranks_targets_better_than_popularity()
    {
        var d = Prepared.Value;
        var world = World.Value;
        var popularity = new double[d.Items.Count + 1];
        foreach (var s in d.Train)
            popularity[s.Target]++;
        var users = world.Users.ToDictionary(u => u.Key);
        var truth = world.Items.ToDictionary(i => i.Key);

        var byPopularity = HitAt10(d, (s, item) => popularity[item.Id]);
        var byInferredTaste = HitAt10(d, (s, item) => InferredTaste(d, s, item) + 1e-3 * popularity[item.Id]);
        var byTrueTaste = HitAt10(d, (s, item) => users[s.UserKey].Taste(truth[item.Key], s.TargetTime) + 1e-3 * popularity[item.Id]);
        TestContext.Out.WriteLine($"Hit@10 on test: popularity {byPopularity:F3}, inferred taste {byInferredTaste:F3}, true taste {byTrueTaste:F3}");
        Assert.Multiple(() =>
        {
            Assert.That(byInferredTaste, Is.GreaterThan(1.5 * byPopularity));
            Assert.That(byTrueTaste, Is.GreaterThan(byInferredTaste));
        });
    }

    /// <summary>How often each of the item's title words appears in the history's titles: a word-count reading of taste.</summary>
    private static double InferredTaste(PreparedDataset d, Sample s, ItemRecord item)
    {
        var words = item.Title.Split(' ');
        var score = 0.0;
        foreach (var h in s.History)
        {
            foreach (var w in d.Item(h).Title.Split(' '))
                score += Array.IndexOf(words, w) >= 0 ? 1 : 0;
        }
        return score / s.History.Length;
    }

    private static double HitAt10(PreparedDataset d, Func<Sample, ItemRecord, double> score)
    {
        var hits = 0;
        foreach (var s in d.Test)
        {
            var target = score(s, d.Item(s.Target));
            var better = d.Items.Count(i => i.Id != s.Target && Array.IndexOf(s.History, i.Id) < 0 && score(s, i) > target);
            if (better < 10)
                hits++;
        }
        return (double)hits / d.Test.Count;
    }

    private static HashSet<string> TopItems(IEnumerable<Interaction> events, int n) =>
        events.GroupBy(e => e.Item).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(n).Select(g => g.Key).ToHashSet();
}
