using R2ec.Data.Datasets;
using R2ec.TestSupport;

namespace R2ec.Data.Tests.Datasets;

/// <summary>The real ml-latest-small files in ../shared, prepared as the paper does.</summary>
public class MovieLensSmallTests
{
    private static readonly Lazy<PreparedDataset> Prepared = new(() =>
        DatasetPreparer.Prepare(
            MovieLensReader.Read(RepoPaths.SharedFile("datasets", "movielens-latest-small"), new ReaderOptions()),
            new PrepareOptions()));

    [Test]
    public void Counts_match_the_published_statistics()
    {
        var d = Prepared.Value;
        Assert.Multiple(() =>
        {
            Assert.That(d.Counts.RawInteractions, Is.EqualTo(100_836));
            Assert.That(d.Counts.Users, Is.EqualTo(610));
            Assert.That(d.Counts.Items, Is.EqualTo(9_724));
            Assert.That(d.Items, Has.Count.EqualTo(9_724));
            Assert.That(d.Counts.Samples, Is.EqualTo(100_226));
            Assert.That(d.Train.Count + d.Valid.Count + d.Test.Count, Is.EqualTo(100_226));
            Assert.That(d.Train, Has.Count.EqualTo(80_180));
            Assert.That(d.Valid, Has.Count.EqualTo(10_022));
            Assert.That(d.Test, Has.Count.EqualTo(10_024));
            Assert.That(d.Split, Is.EqualTo(SplitMode.ByTime));
            Assert.That(d.FirstTime, Is.EqualTo(DateTimeOffset.Parse("1996-03-29T18:36:55Z")));
            Assert.That(d.LastTime, Is.EqualTo(DateTimeOffset.Parse("2018-09-24T14:27:30Z")));
        });
    }

    [Test]
    public void No_valid_or_test_target_precedes_a_train_target()
    {
        var d = Prepared.Value;
        var lastTrain = d.Train.Max(s => s.TargetTime);
        Assert.Multiple(() =>
        {
            Assert.That(d.Valid.Min(s => s.TargetTime), Is.GreaterThanOrEqualTo(lastTrain));
            Assert.That(d.Test.Min(s => s.TargetTime), Is.GreaterThanOrEqualTo(d.Valid.Max(s => s.TargetTime)));
        });
    }

    [Test]
    public void Histories_hold_the_last_twenty_items_in_time_order()
    {
        var d = Prepared.Value;
        var all = d.Train.Concat(d.Valid).Concat(d.Test).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(all.Max(s => s.History.Length), Is.EqualTo(20));
            Assert.That(all.Count(s => s.History.Length < 20), Is.EqualTo(610 * 19), "every user has ≥ 20 ratings: positions 1..19 have short histories");
            Assert.That(all.All(s => s.History.Length == Math.Min(20, s.Position)), Is.True);
            Assert.That(all.All(s => IsSorted(s.HistoryTimes) && s.HistoryTimes[^1] <= s.TargetTime), Is.True);
            Assert.That(all.All(s => s.Target >= 1 && s.Target <= 9_724 && s.History.All(i => i >= 1 && i <= 9_724)), Is.True);
        });
    }

    [Test]
    public void Item_text_is_title_and_genres()
    {
        var d = Prepared.Value;
        var toyStory = d.Items.Single(i => i.Key == "1");
        Assert.Multiple(() =>
        {
            Assert.That(toyStory.Title, Is.EqualTo("Toy Story (1995)"));
            Assert.That(toyStory.Genres, Is.EqualTo(new[] { "Adventure", "Animation", "Children", "Comedy", "Fantasy" }));
            Assert.That(d.Items.Single(i => i.Key == "11").Title, Is.EqualTo("American President, The (1995)"));
            Assert.That(d.Items.Select(i => i.Id), Is.EqualTo(Enumerable.Range(1, 9_724)));
        });
    }

    private static bool IsSorted(long[] times)
    {
        for (var i = 1; i < times.Length; i++)
        {
            if (times[i] < times[i - 1])
                return false;
        }
        return true;
    }
}
