using R2ec.Actors.Supervision;

namespace R2ec.Actors.Tests.Supervision;

public sealed class BackoffTests
{
    [Test]
    public void Defaults_double_from_three_to_thirty_seconds_within_twenty_percent()
    {
        var options = new SupervisionOptions();
        double[] bases = [3, 6, 12, 24, 30, 30];
        for (var attempt = 1; attempt <= bases.Length; attempt++)
        {
            var delay = options.Backoff(attempt, seed: 42, "/user/learner").TotalSeconds;
            Assert.That(delay, Is.InRange(bases[attempt - 1] * 0.8, bases[attempt - 1] * 1.2), $"attempt {attempt}");
        }
    }

    [Test]
    public void Jitter_is_keyed_by_seed_path_and_attempt()
    {
        var options = new SupervisionOptions();
        var a = options.Backoff(1, 7, "/user/rollout-1");
        Assert.Multiple(() =>
        {
            Assert.That(options.Backoff(1, 7, "/user/rollout-1"), Is.EqualTo(a));
            Assert.That(options.Backoff(1, 7, "/user/rollout-2"), Is.Not.EqualTo(a));
            Assert.That(options.Backoff(1, 8, "/user/rollout-1"), Is.Not.EqualTo(a));
        });
    }

    [Test]
    public void Jitter_spreads_over_the_whole_band()
    {
        var options = new SupervisionOptions();
        var factors = Enumerable.Range(0, 2000).Select(i => options.Backoff(1, (ulong)i, "/user/x").TotalSeconds / 3).ToList();
        Assert.That(factors.Min(), Is.LessThan(0.82).And.GreaterThanOrEqualTo(0.8));
        Assert.That(factors.Max(), Is.GreaterThan(1.18).And.LessThanOrEqualTo(1.2));
    }

    [Test]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SupervisionOptions { Jitter = 1.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new SupervisionOptions { MaxBackoff = TimeSpan.FromSeconds(1) }.Validate());
    }
}
