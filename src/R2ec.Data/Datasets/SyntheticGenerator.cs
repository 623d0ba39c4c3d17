using System.Globalization;
using R2ec.Shared;

namespace R2ec.Data.Datasets;

/// <summary>
/// Generates the synthetic dataset of the embedded default. Items are titled with category and attribute words
/// ("vintage red leather jacket"); each user likes two categories, one style and one colour, and each choice is drawn
/// from a softmax of taste and current popularity over the items available then. Popularity is Zipf-skewed and decays
/// after an item's launch, and some users' colour taste changes halfway, so the data drifts over time. A model that
/// infers a user's tastes from the titles in their history ranks the next item better than popularity does: that is
/// what reasoning is meant to buy, and the tests check it. Everything is synthetic and says so in the log's note.
/// </summary>
public static class SyntheticGenerator
{
    /// <summary>Category words.</summary>
    public static readonly string[] Categories = ["lamp", "novel", "jacket", "headphones", "mug", "backpack", "sneakers", "camera", "teapot", "puzzle"];

    /// <summary>Style words.</summary>
    public static readonly string[] Styles = ["vintage", "modern", "rustic", "sporty", "minimal", "retro", "classic", "playful"];

    /// <summary>Colour words.</summary>
    public static readonly string[] Colors = ["red", "blue", "green", "black", "white", "yellow", "purple", "grey"];

    /// <summary>Material words: in titles, but no user's taste depends on them.</summary>
    public static readonly string[] Materials = ["wooden", "leather", "steel", "cotton", "ceramic", "glass"];

    /// <summary>How many distinct titles the vocabulary can make.</summary>
    public static int DistinctTitles => Categories.Length * Styles.Length * Colors.Length * Materials.Length;

    /// <summary>The first instant of every synthetic log: 2024-01-01 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const ulong ItemStream = 1, UserStream = 2;
    private const double PopularitySkew = 0.8, MeanGapDays = 2.0, LaunchSpan = 0.6, DecaySpan = 0.35;
    private const long Day = 86_400_000;

    /// <summary>Generates a synthetic world from its options; the same options give the same world.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static SyntheticWorld Generate(SyntheticOptions options)
    {
        options.Validate();
        var start = Start.ToUnixTimeMilliseconds();
        var span = options.Days * Day;
        var items = MakeItems(options, start, span);
        var users = new List<SyntheticUser>(options.Users);
        var interactions = new List<Interaction>(options.Users * (options.MinInteractions + options.MaxInteractions) / 2);
        for (var u = 0; u < options.Users; u++)
        {
            var random = new KeyedStream(options.Seed, UserStream, (ulong)u);
            var user = MakeUser(u, ref random, start, span, options);
            users.Add(user);
            var count = options.MinInteractions + random.Next(options.MaxInteractions - options.MinInteractions + 1);
            var time = start + (long)(random.NextDouble() * 0.7 * span);
            var taken = new bool[items.Count];
            for (var k = 0; k < count; k++)
            {
                time += 60_000 + (long)(-Math.Log(1.0 - random.NextDouble()) * MeanGapDays * Day);
                var choice = Choose(items, user, time, taken, ref random, options, span);
                if (choice < 0)
                    break;
                taken[choice] = true;
                var rating = Rating(user.Taste(items[choice], time), ref random);
                interactions.Add(new Interaction(user.Key, items[choice].Key, rating, time, interactions.Count));
            }
        }
        return new SyntheticWorld
        {
            Log = new InteractionLog
            {
                Format = "synthetic",
                Interactions = interactions,
                Items = Metadata(items),
                HasTimestamps = true,
                Sources = [new SourceFile($"synthetic:seed={options.Seed},items={options.Items},users={options.Users}", 0, string.Empty)],
                Note = $"SYNTHETIC data (r2ec synthetic generator, seed {options.Seed}): not real users or items.",
            },
            Items = items,
            Users = users,
        };
    }

    private static List<SyntheticItem> MakeItems(SyntheticOptions options, long start, long span)
    {
        var titles = new HashSet<(int, int, int, int)>();
        var items = new List<SyntheticItem>(options.Items);
        var ranks = Enumerable.Range(1, options.Items).ToArray();
        var shuffle = new KeyedStream(options.Seed, ItemStream, ulong.MaxValue);
        for (var i = ranks.Length - 1; i > 0; i--)
        {
            var j = shuffle.Next(i + 1);
            (ranks[i], ranks[j]) = (ranks[j], ranks[i]);
        }
        for (var i = 0; i < options.Items; i++)
        {
            var random = new KeyedStream(options.Seed, ItemStream, (ulong)i);
            (int, int, int, int) words;
            do
                words = (random.Next(Categories.Length), random.Next(Styles.Length), random.Next(Colors.Length), random.Next(Materials.Length));
            while (!titles.Add(words));
            // A fifth of the catalogue is there from the start, so the earliest users have a choice.
            var launch = i < options.Items / 5 ? start : start + (long)(random.NextDouble() * LaunchSpan * span);
            items.Add(new SyntheticItem($"S{i + 1:D4}", words.Item1, words.Item2, words.Item3, words.Item4,
                Math.Pow(ranks[i], -PopularitySkew), launch));
        }
        return items;
    }

    private static SyntheticUser MakeUser(int u, ref KeyedStream random, long start, long span, SyntheticOptions options)
    {
        var first = random.Next(Categories.Length);
        var second = (first + 1 + random.Next(Categories.Length - 1)) % Categories.Length;
        var style = random.Next(Styles.Length);
        var color = random.Next(Colors.Length);
        var drifts = random.NextDouble() < options.TasteDriftProbability;
        var later = drifts ? (color + 1 + random.Next(Colors.Length - 1)) % Colors.Length : color;
        var drift = drifts ? start + (long)((0.3 + 0.4 * random.NextDouble()) * span) : long.MaxValue;
        return new SyntheticUser($"U{u + 1:D3}", [first, second], style, color, later, drift);
    }

    /// <summary>Draws from the softmax of taste and log-popularity over available, untaken items (Gumbel-max); -1 when none is left.</summary>
    private static int Choose(List<SyntheticItem> items, SyntheticUser user, long time, bool[] taken,
        ref KeyedStream random, SyntheticOptions options, long span)
    {
        var best = -1;
        var bestValue = double.NegativeInfinity;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (taken[i] || item.Launch > time)
                continue;
            var logPopularity = Math.Log(item.BasePopularity) - (time - item.Launch) / (DecaySpan * span);
            var logit = options.TasteWeight * user.Taste(item, time) + options.PopularityWeight * logPopularity;
            var value = logit - Math.Log(-Math.Log(1.0 - random.NextDouble()));
            if (value > bestValue)
            {
                bestValue = value;
                best = i;
            }
        }
        return best;
    }

    private static float Rating(double taste, ref KeyedStream random)
    {
        var x = 1.5 * (taste - 1.5) + 0.5 * random.NextGaussian();
        return (float)Math.Clamp(Math.Round(1 + 4 / (1 + Math.Exp(-x))), 1, 5);
    }

    // No rating statistics here: they would count the whole log, valid and test included; the preparer computes them
    // from the train split.
    private static Dictionary<string, ItemMetadata> Metadata(List<SyntheticItem> items)
    {
        var result = new Dictionary<string, ItemMetadata>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var description = string.Create(CultureInfo.InvariantCulture,
                $"A {Colors[item.Color]} {Categories[item.Category]} with a {Styles[item.Style]} look and a {Materials[item.Material]} build. Synthetic item.");
            result.Add(item.Key, new ItemMetadata(item.Key, item.Title, null, null, description, [Categories[item.Category]]));
        }
        return result;
    }
}
