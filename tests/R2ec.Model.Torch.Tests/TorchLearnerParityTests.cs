using R2ec.Training.Compute;
using R2ec.Training.Learning;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// The learner behind <see cref="IPolicyCompute"/> on TorchSharp against the managed engine, from the same tokenizer,
/// seed and batch: the warm-up losses, RecPO's token and item losses, the gradient norm and the weights after AdamW agree
/// within float32 noise; torch repeats itself bit for bit; its weight and optimizer blobs round-trip.
/// </summary>
public sealed class TorchLearnerParityTests
{
    private TinyJobFixture _job = null!;

    [OneTimeSetUp]
    public void Prepare() => _job = new TinyJobFixture();

    private IPolicyCompute Managed() => _job.Managed();

    private IPolicyCompute Torch() => _job.Torch();

    private List<LearnRow> Rows(IPolicyCompute policy) => _job.Rows(policy);

    private double MaxDifference(byte[] a, byte[] b) => _job.MaxDifference(a, b);

    [Test]
    public void Both_backends_start_from_the_same_weights_under_the_same_seed()
    {
        using var managed = Managed();
        using var torch = Torch();
        Assert.That(MaxDifference(managed.SaveWeights(), torch.SaveWeights()), Is.Zero);
    }

    [Test]
    public void Warm_up_steps_agree_with_the_managed_engine()
    {
        using var managed = Managed();
        using var torch = Torch();
        var batch = _job.Data.Dataset.Train.Take(4).ToList();
        foreach (var kind in new[] { WarmUpKind.Language, WarmUpKind.Recommendation, WarmUpKind.Language })
        {
            var m = managed.WarmUpStep(kind, batch, 1e-3);
            var t = torch.WarmUpStep(kind, batch, 1e-3);
            TestContext.Out.WriteLine($"{kind}: managed loss {m.Loss:R}, torch {t.Loss:R}");
            Assert.That(t.Tokens, Is.EqualTo(m.Tokens));
            Assert.That(t.Loss, Is.EqualTo(m.Loss).Within(1e-5 * Math.Abs(m.Loss) + 1e-6), kind.ToString());
        }
        var delta = MaxDifference(managed.SaveWeights(), torch.SaveWeights());
        TestContext.Out.WriteLine($"max |Δw| after three AdamW steps at lr 1e-3: {delta:E2}");
        Assert.That(delta, Is.LessThan(1e-4), "three steps of at most ~lr each agree to a tenth of one step");
    }

    [TestCase("InBatch")]
    [TestCase("Table")]
    public void A_RecPO_step_agrees_with_the_managed_engine_in_losses_gradient_norm_and_weights(string negatives)
    {
        using var managed = Managed();
        using var torch = Torch();
        var rows = Rows(managed);
        var options = TinyJobFixture.OptionsWith($"RecPO:ItemNegatives={negatives}");
        var m = RecPOUpdate.Learn(managed, rows, options, 1e-3);
        var t = RecPOUpdate.Learn(torch, rows, options, 1e-3);

        Assert.That(t, Has.Count.EqualTo(m.Count));
        for (var i = 0; i < m.Count; i++)
        {
            TestContext.Out.WriteLine($"mini-batch {i}: token {m[i].TokenLoss:E4}/{t[i].TokenLoss:E4} item {m[i].ItemLoss:E4}/{t[i].ItemLoss:E4} " +
                $"norm {m[i].GradNorm:E4}/{t[i].GradNorm:E4} |ρ−1| {m[i].MaxRatioDeviation:E2}/{t[i].MaxRatioDeviation:E2}");
            Assert.That(t[i].Tokens, Is.EqualTo(m[i].Tokens));
            Assert.That(t[i].TokenLoss, Is.EqualTo(m[i].TokenLoss).Within(1e-5), $"token loss of mini-batch {i}");
            Assert.That(t[i].ItemLoss, Is.EqualTo(m[i].ItemLoss).Within(1e-5), $"item loss of mini-batch {i}");
            Assert.That(t[i].GradNorm, Is.EqualTo(m[i].GradNorm).Within(1e-4 * m[i].GradNorm + 1e-6), $"gradient norm of mini-batch {i}");
            Assert.That(t[i].ApproxKl, Is.EqualTo(m[i].ApproxKl).Within(1e-6));
        }
        // At the sampling weights the ratio is 1 on both (the old log-probs came from the managed sampler).
        Assert.That(t[0].MaxRatioDeviation, Is.LessThan(1e-4));
        var delta = MaxDifference(managed.SaveWeights(), torch.SaveWeights());
        TestContext.Out.WriteLine($"max |Δw| after the step: {delta:E2}");
        Assert.That(delta, Is.LessThan(1e-4));
    }

    [Test]
    public void The_same_seed_gives_the_same_bits_on_torch()
    {
        byte[] Run()
        {
            using var torch = Torch();
            torch.WarmUpStep(WarmUpKind.Language, _job.Data.Dataset.Train.Take(4).ToList(), 1e-3);
            RecPOUpdate.Learn(torch, Rows(torch), _job.Options, 1e-3);
            return torch.SaveWeights();
        }
        var first = Run();
        var second = Run();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Torch_weights_and_optimizer_state_round_trip_and_the_weights_load_into_the_managed_engine()
    {
        using var torch = Torch();
        torch.WarmUpStep(WarmUpKind.Language, _job.Data.Dataset.Train.Take(4).ToList(), 1e-3);
        var weights = torch.SaveWeights();
        var optimizer = torch.SaveOptimizer();

        using var resumed = Torch();
        resumed.LoadWeights(weights);
        resumed.LoadOptimizer(optimizer);
        var batch = _job.Data.Dataset.Train.Skip(4).Take(4).ToList();
        torch.WarmUpStep(WarmUpKind.Language, batch, 1e-3);
        resumed.WarmUpStep(WarmUpKind.Language, batch, 1e-3);
        Assert.That(resumed.SaveWeights(), Is.EqualTo(torch.SaveWeights()), "a resumed optimizer continues exactly");

        using var managed = Managed();
        managed.LoadWeights(weights);
        Assert.That(MaxDifference(managed.SaveWeights(), weights), Is.Zero);
        Assert.That(() => torch.LoadOptimizer(managed.SaveOptimizer()),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("torch backend"));
    }
}
