using System.Text;
using R2ec.Data.Datasets;

namespace R2ec.Data.Prompts;

/// <summary>
/// The short rationale the reasoning cold start (DESIGN.md §7, stage 3) teaches the policy to write before
/// <c>&lt;answer&gt;</c>: the attributes of the user's history that a next choice most likely shares, named in two parts,
/// e.g. <c>recent: red vintage jacket; often: lamp modern</c>. "recent" weighs each history item by recency (the last
/// item 1, the one before ½, …), so it follows a taste that changed part-way through the history; "often" counts the items
/// an attribute occurs in. Attributes are an item's genres or categories and the words of its title, so the same rule
/// serves synthetic titles, MovieLens genres and Amazon categories.
/// Built from the history alone: the target is never read, so the rationale cannot leak the answer.
/// </summary>
public static class RationaleBuilder
{
    /// <summary>Attributes named in the "recent" part.</summary>
    public const int RecentCount = 3;

    /// <summary>Attributes named in the "often" part (those occurring in at least two history items).</summary>
    public const int OftenCount = 3;

    /// <summary>Title words taken from one item: long titles (Amazon) would otherwise crowd out the genres.</summary>
    public const int MaxTitleWords = 8;

    /// <summary>Weight of an item relative to the one after it in the "recent" score.</summary>
    public const double RecencyDecay = 0.5;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "from", "that", "this", "you", "your", "are", "was", "not", "but", "all", "our", "its",
        "into", "one", "two", "set", "pack", "new", "les", "der", "die", "das", "und",
    };

    /// <summary>
    /// The rationale of a sample: built from the last <paramref name="maxHistory"/> items of <see cref="Sample.History"/>
    /// (the window the prompt shows); only those items are looked up, never <see cref="Sample.Target"/>.
    /// </summary>
    public static string Build(Sample sample, Func<int, ItemRecord> items, int maxHistory)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(items);
        var first = Math.Max(0, sample.History.Length - Math.Max(1, maxHistory));
        var history = new ItemRecord[sample.History.Length - first];
        for (var i = 0; i < history.Length; i++)
            history[i] = items(sample.History[first + i]);
        return Build(history);
    }

    /// <summary>The rationale of a history, oldest item first; <c>no history</c> when it is empty.</summary>
    public static string Build(IReadOnlyList<ItemRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
            return "no history";
        // Per attribute: the recency-weighted score, the number of items it occurs in, and its first appearance
        // (the last tie-break, so the text is a pure function of the history).
        var stats = new Dictionary<string, (double Recency, int Count, int First)>(StringComparer.Ordinal);
        for (var i = 0; i < history.Count; i++)
        {
            var weight = Math.Pow(RecencyDecay, history.Count - 1 - i);
            foreach (var attribute in Attributes(history[i]))
            {
                var s = stats.TryGetValue(attribute, out var found) ? found : (0.0, 0, stats.Count);
                stats[attribute] = (s.Item1 + weight, s.Item2 + 1, s.Item3);
            }
        }
        var recent = stats.OrderByDescending(p => p.Value.Recency).ThenByDescending(p => p.Value.Count).ThenBy(p => p.Value.First)
            .Take(RecentCount).Select(p => p.Key).ToList();
        var often = stats.Where(p => p.Value.Count >= 2 && !recent.Contains(p.Key))
            .OrderByDescending(p => p.Value.Count).ThenByDescending(p => p.Value.Recency).ThenBy(p => p.Value.First)
            .Take(OftenCount).Select(p => p.Key).ToList();
        var text = new StringBuilder("recent: ").AppendJoin(' ', recent);
        if (often.Count > 0)
            text.Append("; often: ").AppendJoin(' ', often);
        return text.ToString();
    }

    /// <summary>
    /// The distinct attributes of an item, lower-case: its genres or categories (each whole), then up to
    /// <see cref="MaxTitleWords"/> title words of three or more letters that are not stop words.
    /// </summary>
    public static IReadOnlyList<string> Attributes(ItemRecord item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var result = new List<string>();
        foreach (var genre in item.Genres)
        {
            var g = genre.Trim().ToLowerInvariant();
            if (g.Length > 0 && !result.Contains(g))
                result.Add(g);
        }
        var words = 0;
        var word = new StringBuilder();
        foreach (var c in item.Title.Append(' '))
        {
            if (char.IsLetter(c))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }
            if (word.Length >= 3 && words < MaxTitleWords)
            {
                var w = word.ToString();
                if (!StopWords.Contains(w))
                {
                    words++;
                    if (!result.Contains(w))
                        result.Add(w);
                }
            }
            word.Clear();
        }
        return result;
    }
}
