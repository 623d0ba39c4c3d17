using System.Diagnostics;
using R2ec.Data.Datasets;
using R2ec.Shared;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Optim;
using R2ec.Training.Configuration;
using R2ec.Training.Scoring;

namespace R2ec.Training.Baselines;

/// <summary>What training SASRec cost and reached.</summary>
/// <param name="Steps">Adam steps taken.</param>
/// <param name="FirstLoss">Mean next-item cross-entropy of the first step.</param>
/// <param name="LastLoss">Mean next-item cross-entropy over the last tenth of the steps.</param>
/// <param name="CpuSeconds">Process CPU seconds spent training (the job's actors are idle meanwhile).</param>
/// <param name="WallSeconds">Wall-clock seconds spent training.</param>
public sealed record SasRecTraining(int Steps, double FirstLoss, double LastLoss, double CpuSeconds, double WallSeconds);

/// <summary>
/// Trains the SASRec baseline on a job's train split and ranks evaluation samples with it, as the other rows are ranked
/// (every item scored, the sample's history masked, ties to the lower item number).
/// </summary>
/// <remarks>
/// Loss: next-item softmax cross-entropy over <b>all</b> items at every position, not the paper's binary cross-entropy
/// with one sampled negative. With a few hundred to a few thousand items the full softmax costs one small matrix product
/// per step, has no sampling noise, and is the loss under which SASRec is known to rank best (Klenitskiy and Vasilev,
/// RecSys 2023); it is also the softmax the ranking metrics judge. Batches come from the train split in an order
/// keyed by the seed; dropout is keyed by (seed, step). So training is a pure function of (data, options, seed) and
/// cheap: a resumed job retrains it and reaches the uninterrupted run's row bit for bit, with nothing checkpointed.
/// </remarks>
public static class SasRecBaseline
{
    /// <summary>Name of the baseline's row.</summary>
    public const string Method = "SASRec";

    // Stream of the SASRec sample order and initialisation, apart from every other keyed stream of a job.
    private const ulong Stream = 0x5A5_12EC;

    /// <summary>The model's shape for <paramref name="data"/> under <paramref name="options"/> with the prompt's history window.</summary>
    public static SasRecShape Shape(TrainingData data, BaselineOptions options, int historyWindow) =>
        new(data.ItemCount, historyWindow, options.SasRecHiddenSize, options.SasRecBlocks, options.SasRecHeads, options.SasRecDropout);

    /// <summary>
    /// Trains SASRec for <see cref="BaselineOptions.SasRecSteps"/> Adam steps on the train split's sequences;
    /// <paramref name="onStep"/> receives each step's number (1-based) and loss.
    /// </summary>
    public static (SasRecModel Model, SasRecTraining Training) Train(TrainingData data, BaselineOptions options, int historyWindow, ulong seed,
        Action<int, double>? onStep = null, CancellationToken cancellation = default)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var shape = Shape(data, options, historyWindow);
        var model = new SasRecModel(shape, KeyedStream.Hash(seed, Stream, 0));
        var train = data.Dataset.Train;
        var order = new SampleOrder(KeyedStream.Hash(seed, Stream, 1), train.Count);
        var dropoutSeed = KeyedStream.Hash(seed, Stream, 2);
        // Adam as in the paper: no weight decay.
        var adam = new AdamW(model.Parameters, (float)options.SasRecLearningRate, weightDecay: 0f);
        var batch = options.SasRecBatchSize;
        var w = shape.Window;
        var inputs = new int[batch * w];
        var labels = new int[batch * w];
        var losses = new double[options.SasRecSteps];
        for (var step = 0; step < options.SasRecSteps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var indices = order.Range((long)step * batch, batch);
            for (var b = 0; b < batch; b++)
                SasRecMath.TrainingWindow(train[indices[b]], w, inputs.AsSpan(b * w, w), labels.AsSpan(b * w, w));
            using (var tape = new Tape())
            {
                var loss = model.Loss(tape, inputs, labels, batch, (dropoutSeed, step));
                losses[step] = loss.Value.Span[0];
                tape.Backward(loss);
            }
            adam.Step();
            adam.ZeroGrad();
            onStep?.Invoke(step + 1, losses[step]);
        }
        var tail = Math.Max(1, losses.Length / 10);
        var training = new SasRecTraining(losses.Length, losses[0], losses.TakeLast(tail).Average(),
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, clock.Elapsed.TotalSeconds);
        return (model, training);
    }

    /// <summary>The 1-based ranks of <paramref name="samples"/>' targets among every item under <paramref name="model"/>, history masked.</summary>
    public static int[] Ranks(SasRecModel model, IReadOnlyList<Sample> samples)
    {
        const int Chunk = 256;
        var w = model.Shape.Window;
        var n = model.Shape.Items;
        var ranks = new int[samples.Count];
        var inputs = new int[Chunk * w];
        var scores = new float[Chunk * n];
        for (var start = 0; start < samples.Count; start += Chunk)
        {
            var count = Math.Min(Chunk, samples.Count - start);
            for (var b = 0; b < count; b++)
                SasRecMath.ScoringWindow(samples[start + b], w, inputs.AsSpan(b * w, w));
            model.Score(inputs.AsSpan(0, count * w), count, scores.AsSpan(0, count * n));
            for (var b = 0; b < count; b++)
                ranks[start + b] = SampleRanking.Rank(scores.AsSpan(b * n, n), samples[start + b]);
        }
        return ranks;
    }
}
