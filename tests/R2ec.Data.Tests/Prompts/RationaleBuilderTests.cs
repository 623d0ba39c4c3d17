using R2ec.Data.Datasets;
using R2ec.Data.Prompts;

namespace R2ec.Data.Tests.Prompts;

public class RationaleBuilderTests
{
    private static ItemRecord Item(int id, string title, params string[] genres) => new(id, $"I{id}", title, null, null, "", genres);

    private static Sample SampleOf(int[] history, int target, long targetTime = 1000) =>
        new(0, "U1", history.Length, history, history.Select(_ => float.NaN).ToArray(), history.Select((_, i) => (long)i).ToArray(),
            target, float.NaN, targetTime);

    [Test]
    public void Recent_follows_the_last_items_and_often_counts_items()
    {
        // Jackets all along, and the colour changes from blue to red in the last two items.
        var history = new[]
        {
            Item(1, "vintage blue leather jacket", "jacket"),
            Item(2, "vintage blue cotton jacket", "jacket"),
            Item(3, "modern blue steel lamp", "lamp"),
            Item(4, "vintage red glass jacket", "jacket"),
            Item(5, "vintage red wooden lamp", "lamp"),
        };

        // recent (item weights 1/16, 1/8, 1/4, 1/2, 1): vintage 1.6875 > red 1.5 > lamp 1.25 > wooden 1;
        // often (in ≥ 2 items, not already recent): jacket 3 and blue 3, tied on count, ordered by recency 0.6875 > 0.4375.
        Assert.That(RationaleBuilder.Build(history), Is.EqualTo("recent: vintage red lamp; often: jacket blue"));
    }

    [Test]
    public void Attributes_are_genres_then_title_words_lower_case_without_stop_words_or_short_words()
    {
        var item = Item(1, "Toy Story (1995) and the Box", "Animation", "Children's", "animation");
        Assert.That(RationaleBuilder.Attributes(item), Is.EqualTo(new[] { "animation", "children's", "toy", "story", "box" }));
    }

    [Test]
    public void Title_words_are_capped_per_item()
    {
        var item = Item(1, string.Join(' ', Enumerable.Range(0, 20).Select(i => "word" + (char)('a' + i))));
        Assert.That(RationaleBuilder.Attributes(item), Has.Count.EqualTo(RationaleBuilder.MaxTitleWords));
    }

    [Test]
    public void It_never_reads_the_target()
    {
        var catalogue = new[] { Item(1, "red lamp"), Item(2, "blue mug"), Item(3, "red mug"), Item(4, "green teapot"), Item(5, "purple camera") };
        var looked = new List<int>();
        ItemRecord Lookup(int id)
        {
            looked.Add(id);
            if (id is 4 or 5)
                throw new AssertionException($"the rationale read item {id}, which is a target");
            return catalogue[id - 1];
        }

        var a = RationaleBuilder.Build(SampleOf([1, 2, 3], target: 4), Lookup, maxHistory: 10);
        var b = RationaleBuilder.Build(SampleOf([1, 2, 3], target: 5, targetTime: 99_999) with { TargetRating = 5f }, Lookup, maxHistory: 10);

        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(looked.Distinct().Order(), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(a, Does.Not.Contain("teapot").And.Not.Contain("camera"));
        });
    }

    [Test]
    public void Only_the_prompt_window_of_the_history_is_read()
    {
        var catalogue = new[] { Item(1, "green teapot"), Item(2, "red lamp"), Item(3, "red mug") };
        var text = RationaleBuilder.Build(SampleOf([1, 2, 3], target: 2), id => catalogue[id - 1], maxHistory: 2);
        Assert.That(text, Is.EqualTo("recent: red mug lamp"));
    }

    [Test]
    public void Empty_history_says_so() => Assert.That(RationaleBuilder.Build([]), Is.EqualTo("no history"));
}
