namespace R2ec.RecPO;

/// <summary>How often the learner takes an optimizer step within one RecPO step.</summary>
public enum OptimizerStepPer
{
    /// <summary>After every mini-batch: μ × ⌈B / mini-batch⌉ steps (what the paper's code does, by accident, §4 (c)).</summary>
    MiniBatch,

    /// <summary>After every epoch, accumulating the epoch's mini-batches: μ steps.</summary>
    Epoch,

    /// <summary>Once per RecPO step, accumulating every mini-batch of every epoch: 1 step.</summary>
    Step,
}

/// <summary>One mini-batch of the learner's schedule.</summary>
/// <param name="Epoch">0-based PPO epoch.</param>
/// <param name="Index">0-based mini-batch within the epoch.</param>
/// <param name="Start">First row (trajectory group order) of the mini-batch in the step's batch.</param>
/// <param name="Count">Rows in the mini-batch (the last one may be short).</param>
/// <param name="LossScale">
/// Factor for the mini-batch's mean loss so the gradients accumulated until the next optimizer step are the row-weighted
/// mean over that window: <c>Count / rows in the window</c>.
/// </param>
/// <param name="StepAfter">Whether the optimizer steps (and gradients are zeroed) after this mini-batch.</param>
public readonly record struct MiniBatch(int Epoch, int Index, int Start, int Count, double LossScale, bool StepAfter);

/// <summary>
/// The learner's schedule for one RecPO step: μ epochs over B rows in mini-batches, and where optimizer steps happen.
/// Making it a pure, tested plan turns "one optimizer step per mini-batch" into a configuration choice (§4 (c)).
/// </summary>
public sealed class MiniBatchPlan
{
    private MiniBatchPlan(IReadOnlyList<MiniBatch> miniBatches, int perEpoch, int optimizerSteps)
    {
        MiniBatches = miniBatches;
        MiniBatchesPerEpoch = perEpoch;
        OptimizerSteps = optimizerSteps;
    }

    /// <summary>Every mini-batch in execution order.</summary>
    public IReadOnlyList<MiniBatch> MiniBatches { get; }

    /// <summary>⌈B / mini-batch size⌉.</summary>
    public int MiniBatchesPerEpoch { get; }

    /// <summary>Optimizer steps the RecPO step takes.</summary>
    public int OptimizerSteps { get; }

    /// <summary>Plans <paramref name="epochs"/> passes over <paramref name="batchSize"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or the epoch count is below 1, or the setting is unknown.</exception>
    public static MiniBatchPlan Create(int batchSize, int miniBatchSize, int epochs, OptimizerStepPer stepPer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(miniBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        var perEpoch = (batchSize + miniBatchSize - 1) / miniBatchSize;
        var windowRows = stepPer switch
        {
            OptimizerStepPer.MiniBatch => 0, // the window is the mini-batch itself
            OptimizerStepPer.Epoch => batchSize,
            OptimizerStepPer.Step => batchSize * epochs,
            _ => throw new ArgumentOutOfRangeException(nameof(stepPer), stepPer, "unknown optimizer step setting"),
        };

        var list = new List<MiniBatch>(perEpoch * epochs);
        var steps = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
            for (var index = 0; index < perEpoch; index++)
            {
                var start = index * miniBatchSize;
                var count = Math.Min(miniBatchSize, batchSize - start);
                var lastOfEpoch = index == perEpoch - 1;
                var stepAfter = stepPer switch
                {
                    OptimizerStepPer.MiniBatch => true,
                    OptimizerStepPer.Epoch => lastOfEpoch,
                    _ => lastOfEpoch && epoch == epochs - 1,
                };
                var scale = windowRows == 0 ? 1.0 : (double)count / windowRows;
                list.Add(new MiniBatch(epoch, index, start, count, scale, stepAfter));
                if (stepAfter) steps++;
            }
        return new MiniBatchPlan(list, perEpoch, steps);
    }
}
