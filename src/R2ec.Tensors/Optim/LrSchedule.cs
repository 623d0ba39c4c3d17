namespace R2ec.Tensors.Optim;

/// <summary>Learning rate as a function of the optimizer step (0-based).</summary>
public abstract class LrSchedule
{
    /// <summary>The learning rate at step <paramref name="step"/>.</summary>
    public abstract float At(int step);

    /// <summary>The same rate at every step.</summary>
    public static LrSchedule Constant(float lr) => new Warmup(lr, 0, 0, lr, cosine: false);

    /// <summary>Linear ramp from lr/warmup to lr over <paramref name="warmupSteps"/>, then constant.</summary>
    public static LrSchedule LinearWarmup(float lr, int warmupSteps) => new Warmup(lr, warmupSteps, 0, lr, cosine: false);

    /// <summary>Linear warm-up, then cosine decay from lr to <paramref name="minLr"/> at <paramref name="totalSteps"/> (held after).</summary>
    public static LrSchedule Cosine(float lr, int warmupSteps, int totalSteps, float minLr = 0f)
    {
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), $"total steps {totalSteps} must exceed warm-up steps {warmupSteps}");
        return new Warmup(lr, warmupSteps, totalSteps, minLr, cosine: true);
    }

    private sealed class Warmup(float lr, int warmupSteps, int totalSteps, float minLr, bool cosine) : LrSchedule
    {
        public override float At(int step)
        {
            if (step < 0)
                throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is negative");
            if (step < warmupSteps)
                return lr * (step + 1) / warmupSteps;
            if (!cosine)
                return lr;
            if (step >= totalSteps)
                return minLr;
            var progress = (double)(step - warmupSteps) / (totalSteps - warmupSteps);
            return (float)(minLr + (lr - minLr) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        }
    }
}
