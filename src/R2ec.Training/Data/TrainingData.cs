using R2ec.Data.Datasets;

namespace R2ec.Training;

/// <summary>
/// The dataset one job trains and evaluates on: numbered items and the train / valid / test samples. Read-only after
/// construction, so every actor of the process may read it.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(string name, PreparedDataset dataset)
    {
        Name = name;
        Dataset = dataset;
        if (dataset.Train.Count == 0)
            throw new ArgumentException($"dataset '{name}' has no training samples");
        if (dataset.Test.Count == 0)
            throw new ArgumentException($"dataset '{name}' has no test samples");
    }

    /// <summary>A short name for the log and the report.</summary>
    public string Name { get; }

    /// <summary>The prepared dataset.</summary>
    public PreparedDataset Dataset { get; }

    /// <summary>Number of items (item numbers are 1..ItemCount).</summary>
    public int ItemCount => Dataset.Items.Count;

    /// <summary>Wraps a prepared dataset (read by the caller from a dataset folder).</summary>
    public static TrainingData FromPrepared(string name, PreparedDataset dataset) => new(name, dataset);

    /// <summary>Generates the synthetic dataset of the embedded default and prepares it with the given history window.</summary>
    public static TrainingData Synthetic(ulong seed, int users, int items, int historyWindow)
    {
        var world = SyntheticGenerator.Generate(new SyntheticOptions { Seed = seed, Users = users, Items = items });
        var dataset = DatasetPreparer.Prepare(world.Log, new PrepareOptions { HistoryWindow = historyWindow });
        return new TrainingData($"synthetic(seed {seed}, {users} users, {items} items)", dataset);
    }

    /// <summary>The samples of <paramref name="split"/>.</summary>
    public IReadOnlyList<Sample> Split(EvalSplit split) => split == EvalSplit.Test ? Dataset.Test : Dataset.Valid;
}

/// <summary>An evaluation split.</summary>
public enum EvalSplit
{
    /// <summary>Validation samples.</summary>
    Valid,

    /// <summary>Test samples.</summary>
    Test,
}
