using R2ec.Training.Configuration;

namespace R2ec.Training.Learning;

/// <summary>The learning rate of a step within a stage: linear ramp-up, then the configured decay to zero at the stage's end.</summary>
public static class LearningRates
{
    /// <summary>The rate of step <paramref name="step"/> (0-based) of a stage of <paramref name="steps"/> steps.</summary>
    public static double At(long step, long steps, double peak, int rampUp, LearningRateSchedule schedule)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < rampUp)
            return peak * (step + 1) / (rampUp + 1);
        var span = Math.Max(1, steps - rampUp);
        var progress = Math.Clamp((double)(step - rampUp) / span, 0, 1);
        return schedule switch
        {
            LearningRateSchedule.Constant => peak,
            LearningRateSchedule.Linear => peak * (1 - progress),
            LearningRateSchedule.Cosine => peak * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "unknown schedule"),
        };
    }
}
