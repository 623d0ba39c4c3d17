namespace R2ec.Data.Datasets;

/// <summary>
/// Turns an interaction log into a <see cref="PreparedDataset"/> as the paper's <c>preprocess.py</c> does: drop events
/// of unknown or untitled items, apply the time window, keep the earliest of repeated (user, item) events, apply the
/// k-core filter, sort each user's events by time (ties keep source order), emit one sample per position ≥ 1 with the
/// last ≤ window items as history, and split.
/// </summary>
/// <remarks>
/// Items are numbered 1..N, and users 0..U-1, in order of their first kept event in the whole log sorted by
/// (time, source order); so numbering is deterministic and does not depend on hash order.
/// </remarks>
public static class DatasetPreparer
{
    /// <summary>Fraction of time-sorted samples that go to train.</summary>
    public const double TrainFraction = 0.8;

    /// <summary>Fraction of time-sorted samples that go to valid; test gets the rest.</summary>
    public const double ValidFraction = 0.1;

    /// <summary>Prepares the dataset.</summary>
    /// <exception cref="ArgumentException">An option does not apply to this log (a time window on an order-only log).</exception>
    public static PreparedDataset Prepare(InteractionLog log, PrepareOptions options)
    {
        options.Validate();
        if (!log.HasTimestamps && (options.Since is not null || options.Until is not null))
            throw new ArgumentException("--since/--until need timestamps; this log only gives the order of events");
        if (!log.HasTimestamps && options.Split == SplitMode.ByTime)
            throw new ArgumentException("a split by time needs timestamps; this log only gives the order of events");
        var split = options.Split != SplitMode.Auto ? options.Split
            : log.HasTimestamps ? SplitMode.ByTime : SplitMode.LeaveLastOut;

        var kept = new List<Interaction>(log.Interactions.Count);
        long unknown = 0, untitled = 0, outside = 0;
        var since = options.Since?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var until = options.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        foreach (var e in log.Interactions)
        {
            if (log.Items is { } items)
            {
                if (!items.TryGetValue(e.Item, out var meta))
                {
                    unknown++;
                    continue;
                }
                if (meta.Title.Length == 0)
                {
                    untitled++;
                    continue;
                }
            }
            if (e.Time < since || e.Time >= until)
            {
                outside++;
                continue;
            }
            kept.Add(e);
        }
        kept.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Order.CompareTo(b.Order));

        var seen = new HashSet<(string, string)>();
        var before = kept.Count;
        kept.RemoveAll(e => !seen.Add((e.User, e.Item)));
        var duplicates = before - kept.Count;
        before = kept.Count;
        KCore(kept, options.KCore);
        var kcoreRemoved = before - kept.Count;

        var userIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var itemIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var itemKeys = new List<string>();
        var sequences = new List<List<int>>();
        for (var k = 0; k < kept.Count; k++)
        {
            var e = kept[k];
            if (!userIds.TryGetValue(e.User, out var user))
            {
                userIds.Add(e.User, user = sequences.Count);
                sequences.Add([]);
            }
            sequences[user].Add(k);
            if (!itemIds.ContainsKey(e.Item))
            {
                itemKeys.Add(e.Item);
                itemIds.Add(e.Item, itemKeys.Count);
            }
        }

        var samples = new List<(Sample Sample, long Order)>(kept.Count);
        for (var user = 0; user < sequences.Count; user++)
        {
            var sequence = sequences[user];
            for (var i = 1; i < sequence.Count; i++)
                samples.Add((MakeSample(kept, sequence, user, i, options.HistoryWindow, itemIds), kept[sequence[i]].Order));
        }
        var (train, valid, test) = split == SplitMode.ByTime ? SplitByTime(samples) : SplitLeaveLastOut(samples);

        var ratings = TrainRatings(train, itemKeys.Count);
        var records = new List<ItemRecord>(itemKeys.Count);
        for (var i = 0; i < itemKeys.Count; i++)
            records.Add(Record(i + 1, itemKeys[i], log.Items, options.DescriptionWords, ratings[i]));

        return new PreparedDataset
        {
            Format = log.Format,
            Items = records,
            Train = train,
            Valid = valid,
            Test = test,
            HasTimestamps = log.HasTimestamps,
            Split = split,
            Note = log.Note,
            FirstTime = log.HasTimestamps && kept.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(kept[0].Time) : null,
            LastTime = log.HasTimestamps && kept.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(kept[^1].Time) : null,
            Counts = new PreparationCounts
            {
                RawInteractions = log.Interactions.Count,
                SkippedRows = log.SkippedRows,
                UnknownItemInteractions = unknown,
                UntitledItemInteractions = untitled,
                OutsideTimeWindow = outside,
                DuplicateInteractions = duplicates,
                KCoreRemoved = kcoreRemoved,
                Interactions = kept.Count,
                Users = sequences.Count,
                Items = itemKeys.Count,
                Samples = samples.Count,
                Train = train.Count,
                Valid = valid.Count,
                Test = test.Count,
            },
        };
    }

    /// <summary>Removes users and items with fewer than <paramref name="k"/> events until none is left.</summary>
    private static void KCore(List<Interaction> events, int k)
    {
        if (k <= 1)
            return;
        while (true)
        {
            var users = new Dictionary<string, int>(StringComparer.Ordinal);
            var items = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                users[e.User] = users.GetValueOrDefault(e.User) + 1;
                items[e.Item] = items.GetValueOrDefault(e.Item) + 1;
            }
            if (events.RemoveAll(e => users[e.User] < k || items[e.Item] < k) == 0)
                return;
        }
    }

    private static Sample MakeSample(List<Interaction> kept, List<int> sequence, int user, int position, int window, Dictionary<string, int> itemIds)
    {
        var start = Math.Max(0, position - window);
        var length = position - start;
        var history = new int[length];
        var ratings = new float[length];
        var times = new long[length];
        for (var j = 0; j < length; j++)
        {
            var e = kept[sequence[start + j]];
            history[j] = itemIds[e.Item];
            ratings[j] = e.Rating;
            times[j] = e.Time;
        }
        var target = kept[sequence[position]];
        return new Sample(user, target.User, position, history, ratings, times, itemIds[target.Item], target.Rating, target.Time);
    }

    private static (List<Sample>, List<Sample>, List<Sample>) SplitByTime(List<(Sample Sample, long Order)> samples)
    {
        samples.Sort(static (a, b) => a.Sample.TargetTime != b.Sample.TargetTime
            ? a.Sample.TargetTime.CompareTo(b.Sample.TargetTime)
            : a.Order.CompareTo(b.Order));
        var trainCount = (int)(samples.Count * TrainFraction);
        var validCount = (int)(samples.Count * ValidFraction);
        var all = samples.ConvertAll(s => s.Sample);
        return (all.GetRange(0, trainCount), all.GetRange(trainCount, validCount), all.GetRange(trainCount + validCount, all.Count - trainCount - validCount));
    }

    /// <summary>Per user: the last sample to test, the one before to valid (users with two or more samples), the rest to train.</summary>
    private static (List<Sample>, List<Sample>, List<Sample>) SplitLeaveLastOut(List<(Sample Sample, long Order)> samples)
    {
        List<Sample> train = [], valid = [], test = [];
        // Samples are grouped by user, positions ascending; a user's last sample is followed by another user's first.
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i].Sample;
            var next = i + 1 < samples.Count && samples[i + 1].Sample.User == s.User;
            var afterNext = i + 2 < samples.Count && samples[i + 2].Sample.User == s.User;
            (next ? afterNext ? train : valid : test).Add(s);
        }
        return (train, valid, test);
    }

    /// <summary>
    /// Per item (index = item number − 1): the sum of the known ratings, how many are known, and how many interactions
    /// there are, over the interactions the train split shows (its targets, and the first event of each user whose
    /// second is a train target, which its samples show only as history). Valid and test interactions never count.
    /// </summary>
    internal static (double Sum, int Rated, int Count)[] TrainRatings(IReadOnlyList<Sample> train, int items)
    {
        var stats = new (double Sum, int Rated, int Count)[items];
        foreach (var s in train)
        {
            Add(s.Target, s.TargetRating);
            if (s.Position == 1 && s.History.Length == 1)
                Add(s.History[0], s.HistoryRatings[0]);
        }
        return stats;

        void Add(int item, float rating)
        {
            ref var st = ref stats[item - 1];
            st.Count++;
            if (!float.IsNaN(rating))
            {
                st.Sum += rating;
                st.Rated++;
            }
        }
    }

    // The item's text from its metadata, with its rating statistics taken from the train split only: a catalogue's own
    // average (Amazon's average_rating, rating_number) or one over the whole log counts interactions after the train
    // cut-off, which would leak valid and test targets into the text the model reads.
    private static ItemRecord Record(int id, string key, Dictionary<string, ItemMetadata>? items, int descriptionWords,
        (double Sum, int Rated, int Count) ratings)
    {
        if (items is null)
            return new ItemRecord(id, key, key, null, null, string.Empty, []);
        var meta = items[key];
        float? average = ratings.Rated > 0 ? (float)Math.Round(ratings.Sum / ratings.Rated, 1) : null;
        return new ItemRecord(id, key, meta.Title, average, ratings.Count,
            ItemText.FirstWords(meta.Description, descriptionWords), meta.Genres);
    }
}
