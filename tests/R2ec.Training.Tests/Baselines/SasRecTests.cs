using System.Collections;
using R2ec.Data.Datasets;
using R2ec.RecPO;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Training.Baselines;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;

namespace R2ec.Training.Tests.Baselines;

public sealed class SasRecTests
{
    private static BaselineOptions Options(params string[] sets) =>
        JobConfiguration.Load(null, [.. sets], new Hashtable()).Baselines;

    private static Sample Sample(int[] history, int target) =>
        new(0, "u", history.Length, history, [.. history.Select(_ => float.NaN)], [.. history.Select((_, i) => (long)i)], target, float.NaN, history.Length);

    [Test]
    public void TrainingWindow_LeftPadsTheHistoryAndLabelsEachPositionWithTheItemThatFollowedIt()
    {
        var inputs = new int[5];
        var labels = new int[5];
        SasRecMath.TrainingWindow(Sample([7, 3], 9), 5, inputs, labels);
        Assert.That(inputs, Is.EqualTo(new[] { 0, 0, 0, 7, 3 }));
        Assert.That(labels, Is.EqualTo(new[] { -100, -100, -100, 3, 9 }));

        // A history as long as the window: the oldest item is only an input's label's source, never a label.
        SasRecMath.TrainingWindow(Sample([1, 2, 3, 4, 5], 6), 5, inputs, labels);
        Assert.That(inputs, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
        Assert.That(labels, Is.EqualTo(new[] { 2, 3, 4, 5, 6 }));

        var scoring = new int[3];
        SasRecMath.ScoringWindow(Sample([1, 2, 3, 4], 6), 3, scoring);
        Assert.That(scoring, Is.EqualTo(new[] { 2, 3, 4 }));
        SasRecMath.ScoringWindow(Sample([4], 6), 3, scoring);
        Assert.That(scoring, Is.EqualTo(new[] { 0, 0, 4 }));
    }

    [Test]
    public void DropoutMask_DropsAboutTheRateAndScalesTheRestByItsInverse_TheSameForTheSameKey()
    {
        var mask = new float[20_000];
        SasRecMath.DropoutMask(new KeyedRandom(1, 2, 3), 0.25, mask);
        var dropped = mask.Count(m => m == 0) / (double)mask.Length;
        Assert.That(dropped, Is.EqualTo(0.25).Within(0.015));
        Assert.That(mask.Where(m => m != 0), Is.All.EqualTo(1 / 0.75f));
        var again = new float[mask.Length];
        SasRecMath.DropoutMask(new KeyedRandom(1, 2, 3), 0.25, again);
        Assert.That(again, Is.EqualTo(mask));
        SasRecMath.DropoutMask(new KeyedRandom(1, 2, 4), 0.25, again);
        Assert.That(again, Is.Not.EqualTo(mask), "another key, another mask");
    }

    [Test]
    public void LossGradient_MatchesCentralDifferences_ThroughDropoutAttentionAndTheSharedItemTable()
    {
        var model = new SasRecModel(new SasRecShape(Items: 6, Window: 4, Dim: 8, Blocks: 2, Heads: 2, Dropout: 0.3), seed: 5);
        int[] ids = [0, 2, 5, 1, 3, 4, 6, 2];
        int[] labels = [-100, 5, 1, 4, 4, 6, 2, 1];
        var key = (Seed: 11UL, Step: 3L);
        double Loss()
        {
            using var tape = new Tape(recording: false);
            return model.Loss(tape, ids, labels, 2, key).Value.Span[0];
        }
        using (var tape = new Tape())
            tape.Backward(model.Loss(tape, ids, labels, 2, key));

        var checkedCount = 0;
        foreach (var p in model.Parameters)
        {
            var values = p.Value.Span;
            var grad = p.Grad!.Span.ToArray();
            // A few entries of every parameter, spread over it.
            for (var i = 0; i < values.Length; i += Math.Max(1, values.Length / 5))
            {
                const float Eps = 1e-2f;
                var saved = values[i];
                values[i] = saved + Eps;
                var up = Loss();
                values[i] = saved - Eps;
                var down = Loss();
                values[i] = saved;
                var numeric = (up - down) / (2 * Eps);
                Assert.That(grad[i], Is.EqualTo(numeric).Within(2e-3 + 0.03 * Math.Abs(numeric)), $"{p.Name}[{i}]");
                checkedCount++;
            }
        }
        Assert.That(checkedCount, Is.GreaterThan(100));
        Assert.That(model.Parameters.Sum(p => p.Grad!.Span.ToArray().Sum(Math.Abs)), Is.GreaterThan(0.1), "the gradient is not trivially zero");
    }

    [Test]
    public void SameSeed_TrainsBitIdenticalWeightsAndRanks_AnotherSeedDoesNot()
    {
        var data = TrainingData.Synthetic(7, 40, 50, 5);
        var options = Options("Baselines:SasRecSteps=30", "Baselines:SasRecBatchSize=16");
        var (a, trainingA) = SasRecBaseline.Train(data, options, 5, seed: 3);
        var (b, trainingB) = SasRecBaseline.Train(data, options, 5, seed: 3);
        var (c, _) = SasRecBaseline.Train(data, options, 5, seed: 4);

        Assert.That(a.Parameters.Select(p => p.Value.ToArray()), Is.EqualTo(b.Parameters.Select(p => p.Value.ToArray())));
        Assert.That(trainingB.LastLoss, Is.EqualTo(trainingA.LastLoss));
        Assert.That(SasRecBaseline.Ranks(b, data.Dataset.Test), Is.EqualTo(SasRecBaseline.Ranks(a, data.Dataset.Test)));
        Assert.That(c.Parameters[0].Value.ToArray(), Is.Not.EqualTo(a.Parameters[0].Value.ToArray()));
        Assert.That(trainingA.CpuSeconds, Is.GreaterThan(0));
    }

    // A small world with a sequential rule only an order-aware model can use: after item i a user most often takes
    // item succ(i), otherwise any item, so every item is about equally popular and popularity ranks near chance.
    private static TrainingData SuccessorWorld(int users, int items, ulong seed)
    {
        var interactions = new List<Interaction>();
        var time = 0L;
        var random = new R2ec.Shared.KeyedStream(seed, 1, 0);
        var current = new int[users];
        for (var u = 0; u < users; u++)
            current[u] = 1 + random.Next(items);
        // Users interleaved in time, so the temporal split leaves train, valid and test samples to many users.
        for (var round = 0; round < 20; round++)
        {
            for (var u = 0; u < users; u++)
            {
                interactions.Add(new Interaction($"u{u}", $"i{current[u]}", float.NaN, time, time));
                time++;
                current[u] = random.NextDouble() < 0.8 ? current[u] * 7 % items + 1 : 1 + random.Next(items);
            }
        }
        var log = new InteractionLog { Format = "successor", Interactions = interactions, HasTimestamps = true };
        return TrainingData.FromPrepared("successor", DatasetPreparer.Prepare(log, new PrepareOptions { HistoryWindow = 5 }));
    }

    [Test]
    public void Learns_ASequentialRule_FarAbovePopularityOnHeldOutSamples()
    {
        var data = SuccessorWorld(users: 100, items: 40, seed: 1);
        var (model, training) = SasRecBaseline.Train(data, Options("Baselines:SasRecSteps=150", "Baselines:SasRecBatchSize=32",
            "Baselines:SasRecHiddenSize=32", "Baselines:SasRecDropout=0.1", "Baselines:SasRecLearningRate=0.003"), 5, seed: 42);
        var test = data.Dataset.Test;
        var sasrec = MetricsRow.FromRanks(SasRecBaseline.Method, SasRecBaseline.Ranks(model, test));
        var popularity = MetricsRow.FromRanks(PopularityBaseline.Method, PopularityBaseline.Ranks(data, test));
        var hit = Bootstrap.PairedDifference(
            sasrec.Ranks!.Select(r => RankingMetrics.Hit(r, 10)).ToArray(), popularity.Ranks!.Select(r => RankingMetrics.Hit(r, 10)).ToArray());
        TestContext.Out.WriteLine($"{training}\n{MetricsRow.Markdown([popularity, sasrec])}\n{MetricsRow.PairedLine(sasrec, popularity)}");

        Assert.That(test, Has.Count.GreaterThan(80));
        Assert.That(training.LastLoss, Is.LessThan(training.FirstLoss - 1), "the next-item loss fell");
        Assert.That(hit.Low, Is.GreaterThan(0.15), "Hit@10 far above popularity's: the paired 95 % interval's lower end");
        Assert.That(sasrec.Hit[0], Is.GreaterThan(0.5), "about 80 % of targets follow the rule; most must be in the top 5");
    }
}
