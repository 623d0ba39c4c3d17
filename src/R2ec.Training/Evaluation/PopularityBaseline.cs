using R2ec.Data.Datasets;
using R2ec.Training.Scoring;

namespace R2ec.Training.Evaluation;

/// <summary>
/// The popularity baseline: every user gets the items ranked by how often they are a training target, history masked
/// as for the other methods, ties to the lower item number.
/// </summary>
public static class PopularityBaseline
{
    /// <summary>Name of the baseline's row.</summary>
    public const string Method = "popularity";

    /// <summary>Scores (index = item - 1) from the training split.</summary>
    public static float[] Scores(TrainingData data)
    {
        var scores = new float[data.ItemCount];
        foreach (var sample in data.Dataset.Train)
            scores[sample.Target - 1]++;
        return scores;
    }

    /// <summary>The baseline's ranks for <paramref name="samples"/>.</summary>
    public static int[] Ranks(TrainingData data, IReadOnlyList<Sample> samples)
    {
        var scores = Scores(data);
        var ranks = new int[samples.Count];
        for (var i = 0; i < samples.Count; i++)
            ranks[i] = SampleRanking.Rank(scores, samples[i]);
        return ranks;
    }
}
