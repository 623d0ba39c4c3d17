using R2ec.Training.Configuration;
using R2ec.Training.Learning;

namespace R2ec.Training.Tests.Learning;

public sealed class LearningRatesTests
{
    [Test]
    public void RampUp_ThenDecayToZero()
    {
        Assert.That(LearningRates.At(0, 10, 1.0, 1, LearningRateSchedule.Cosine), Is.EqualTo(0.5));
        Assert.That(LearningRates.At(1, 11, 1.0, 1, LearningRateSchedule.Cosine), Is.EqualTo(1.0));
        Assert.That(LearningRates.At(6, 11, 1.0, 1, LearningRateSchedule.Cosine), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(LearningRates.At(6, 11, 1.0, 1, LearningRateSchedule.Linear), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(LearningRates.At(6, 11, 1.0, 1, LearningRateSchedule.Constant), Is.EqualTo(1.0));
    }
}
