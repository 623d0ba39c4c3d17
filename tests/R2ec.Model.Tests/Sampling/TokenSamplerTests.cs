using R2ec.Model.Sampling;

namespace R2ec.Model.Tests.Sampling;

public class TokenSamplerTests
{
    private static readonly float[] Logits = [0.5f, 2.0f, -1.0f, 1.0f, 2.0f, -3.0f];

    private static double[] Softmax(float[] x, double t)
    {
        var e = x.Select(v => Math.Exp(v / t)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    // A grid of uniforms inverts the CDF exactly: token frequencies equal the probabilities up to 1/N.
    private static double[] Frequencies(SamplingOptions options, int n = 20000)
    {
        var sampler = new TokenSampler(options, Logits.Length);
        var counts = new double[Logits.Length];
        for (var i = 0; i < n; i++)
            counts[sampler.Choose(Logits, (i + 0.5) / n).Token]++;
        return counts.Select(c => c / n).ToArray();
    }

    [Test]
    public void TemperatureSoftmaxIsSampledWithItsLogProbs()
    {
        var p = Softmax(Logits, 2.0);
        Assert.That(Frequencies(new SamplingOptions { Temperature = 2f }), Is.EqualTo(p).Within(1e-3));
        var (token, q, policy) = new TokenSampler(new SamplingOptions { Temperature = 2f }, 6).Choose(Logits, 0.3);
        Assert.That(q, Is.EqualTo(Math.Log(p[token])).Within(1e-5));
        Assert.That(policy, Is.EqualTo(Math.Log(Softmax(Logits, 1.0)[token])).Within(1e-5));
    }

    [Test]
    public void TopKAndTopPKeepTheBestTokensRenormalised()
    {
        // Top-3: tokens 1, 4 (tie, lower id first) and 3.
        var top3 = Frequencies(new SamplingOptions { TopK = 3 });
        var e = new[] { 1, 3, 4 }.Select(i => Math.Exp(Logits[i])).ToArray();
        Assert.That(new[] { top3[1], top3[3], top3[4] }, Is.EqualTo(e.Select(v => v / e.Sum())).Within(1e-3));
        Assert.That(top3[0] + top3[2] + top3[5], Is.Zero);

        // Nucleus 0.6: p(1) = p(4) ≈ 0.34 each, so the two of them reach 0.6.
        var nucleus = Frequencies(new SamplingOptions { TopP = 0.6f });
        Assert.That(nucleus[1], Is.EqualTo(0.5).Within(1e-3));
        Assert.That(nucleus[4], Is.EqualTo(0.5).Within(1e-3));
        // The reported log-prob ignores the nucleus: it is the untruncated softmax, which the learner recomputes.
        var (token, q, _) = new TokenSampler(new SamplingOptions { TopP = 0.6f }, 6).Choose(Logits, 0.9);
        Assert.That(q, Is.EqualTo(Math.Log(Softmax(Logits, 1.0)[token])).Within(1e-5));
    }

    [Test]
    public void NucleusOverALargeVocabularyMatchesAFullSort()
    {
        var rng = new R2ec.Tensors.KeyedRandom(8);
        var logits = Enumerable.Range(0, 300).Select(i => (float)(0.3 * rng.Normal((ulong)i))).ToArray();
        var p = Softmax(logits, 1.5);
        var sorted = Enumerable.Range(0, 300).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        var expected = new HashSet<int>();
        var cumulative = 0.0;
        foreach (var i in sorted)
        {
            expected.Add(i);
            cumulative += p[i];
            if (cumulative >= 0.9) break;
        }
        Assert.That(expected, Has.Count.GreaterThan(64), "the nucleus is larger than the first candidate window");
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1.5f, TopP = 0.9f }, 300);
        var seen = new HashSet<int>();
        const int n = 20000;
        for (var k = 0; k < n; k++)
            seen.Add(sampler.Choose(logits, (k + 0.5) / n).Token);
        Assert.That(seen, Is.EquivalentTo(expected));
        var (token, q, _) = sampler.Choose(logits, 0.5);
        Assert.That(q, Is.EqualTo(Math.Log(p[token])).Within(1e-4), "the tempered log-prob over the whole vocabulary, not renormalised to the nucleus");
    }

    [TestCase(0f, "Temperature")]
    [TestCase(-1f, "Temperature")]
    public void BadOptionsAreNamed(float temperature, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new TokenSampler(new SamplingOptions { Temperature = temperature }, 6));
        Assert.That(e!.Message, Does.StartWith(field));
        e = Assert.Throws<ArgumentException>(() => new TokenSampler(new SamplingOptions { TopP = 0f }, 6));
        Assert.That(e!.Message, Does.StartWith("TopP"));
    }
}
