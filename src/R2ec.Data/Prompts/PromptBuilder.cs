using System.Globalization;
using System.Text;
using R2ec.Data.Datasets;

namespace R2ec.Data.Prompts;

/// <summary>
/// The R2ec prompts as pure functions of their inputs. The user prompt lists the user's recent history, one line per
/// item — <c>Title (rating: 4.0), 3d 2.5h ago</c>, time relative to the target interaction — and asks the model to
/// reason about the user's preferences before it answers; the recommendation head reads the hidden state at the
/// <see cref="AnswerTag"/> that ends the reasoning. The item prompt describes one item and prefills the assistant turn
/// with <see cref="AnswerTag"/>, so the item's embedding is read at the same kind of position.
/// </summary>
public static class PromptBuilder
{
    /// <summary>The tag that ends reasoning; the embedding is read at its last token.</summary>
    public const string AnswerTag = "<answer>";

    /// <summary>The system turn of the user prompt.</summary>
    public const string UserSystem =
        "You are a recommender. Reason step by step about what the user likes from their history, then write " + AnswerTag + ".";

    /// <summary>The system turn of the item prompt.</summary>
    public const string ItemSystem = "You are a recommender. Summarise the item.";

    private const long MillisecondsPerDay = 86_400_000;
    private const long MillisecondsPerTenthHour = 360_000;

    /// <summary>The user prompt for a history; <paramref name="targetTime"/> <c>null</c> for order-only logs (no ages shown).</summary>
    public static ChatPrompt UserPrompt(IReadOnlyList<HistoryEntry> history, long? targetTime, PromptOptions options)
    {
        var text = new StringBuilder("The user's history, oldest first:\n");
        var first = Math.Max(0, history.Count - options.MaxHistory);
        for (var i = first; i < history.Count; i++)
        {
            var entry = history[i];
            text.Append(Title(entry.Title, options));
            if (!float.IsNaN(entry.Rating))
                text.Append(" (rating: ").Append(Rating(entry.Rating)).Append(')');
            if (targetTime is { } now)
                text.Append(", ").Append(Ago(now - entry.Time));
            text.Append('\n');
        }
        text.Append("What does the user like, and what will they choose next?");
        return new ChatPrompt([new(ChatRole.System, UserSystem), new(ChatRole.User, text.ToString())], string.Empty);
    }

    /// <summary>The user prompt of a prepared sample; <paramref name="items"/> looks up an item by number.</summary>
    public static ChatPrompt UserPrompt(Sample sample, Func<int, ItemRecord> items, bool timed, PromptOptions options)
    {
        var first = Math.Max(0, sample.History.Length - options.MaxHistory);
        var history = new HistoryEntry[sample.History.Length - first];
        for (var i = 0; i < history.Length; i++)
        {
            var j = first + i;
            history[i] = new HistoryEntry(items(sample.History[j]).Title, sample.HistoryRatings[j], sample.HistoryTimes[j]);
        }
        return UserPrompt(history, timed ? sample.TargetTime : null, options);
    }

    /// <summary>The item prompt: title, average rating and number of ratings, genres, description.</summary>
    public static ChatPrompt ItemPrompt(ItemRecord item, PromptOptions options)
    {
        var text = new StringBuilder("Title: ").Append(Title(item.Title, options));
        if (item.AverageRating is { } average)
        {
            text.Append("\nAverage rating: ").Append(Rating(average));
            if (item.RatingCount is { } count)
                text.Append(" (").Append(count.ToString(CultureInfo.InvariantCulture)).Append(" ratings)");
        }
        else if (item.RatingCount is { } count)
            text.Append("\nRatings: ").Append(count.ToString(CultureInfo.InvariantCulture));
        if (item.Genres.Count > 0)
            text.Append("\nGenres: ").Append(string.Join(", ", item.Genres));
        var description = ItemText.FirstWords(item.Description, options.MaxDescriptionWords);
        if (description.Length > 0)
            text.Append("\nDescription: ").Append(description);
        return new ChatPrompt([new(ChatRole.System, ItemSystem), new(ChatRole.User, text.ToString())], AnswerTag);
    }

    /// <summary>
    /// How long ago, as whole days and tenths of an hour: <c>3d 2.5h ago</c>. Tenths are truncated, not rounded, so
    /// the hours never read 24.0. A negative delta (an event after the target) reads as <c>0d 0.0h ago</c>.
    /// </summary>
    public static string Ago(long deltaMilliseconds)
    {
        var delta = Math.Max(0, deltaMilliseconds);
        var days = delta / MillisecondsPerDay;
        var tenths = delta % MillisecondsPerDay / MillisecondsPerTenthHour;
        return string.Create(CultureInfo.InvariantCulture, $"{days}d {tenths / 10}.{tenths % 10}h ago");
    }

    private static string Rating(float rating) => rating.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Title(string title, PromptOptions options) =>
        options.MaxTitleWords > 0 ? ItemText.FirstWords(title, options.MaxTitleWords) : title;
}
