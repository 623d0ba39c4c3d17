namespace R2ec.Tensors.Tests;

public class EngineTests
{
    [TearDown]
    public void RestoreThreads() => Engine.Threads = 0;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ForCoversEveryIndexExactlyOnce(int threads)
    {
        Engine.Threads = threads;
        var hits = new int[1000];
        Engine.For(hits.Length, 1, (s, e) =>
        {
            for (var i = s; i < e; i++)
                Interlocked.Increment(ref hits[i]);
        });
        Engine.ForEachTask(hits.Length, i => Interlocked.Increment(ref hits[i]));
        Assert.That(hits, Is.All.EqualTo(2));
    }

    [Test]
    public void ExceptionInAWorkerReachesTheCaller()
    {
        Engine.Threads = 2;
        var ex = Assert.Throws<InvalidOperationException>(() => Engine.For(100, 1, (s, _) =>
        {
            if (s > 0)
                throw new InvalidOperationException("part failed");
        }));
        Assert.That(ex!.Message, Is.EqualTo("part failed"));
        var sum = 0;
        Engine.For(10, 1, (s, e) => Interlocked.Add(ref sum, e - s));
        Assert.That(sum, Is.EqualTo(10), "the pool still works after a failure");
    }

    [Test]
    public void KeyedRandomDependsOnlyOnItsKeys()
    {
        var a = new KeyedRandom(42, 3, 7);
        var b = new KeyedRandom(42, 3, 7);
        var c = new KeyedRandom(42, 3, 8);
        Assert.That(Enumerable.Range(0, 5).Select(i => a.Bits((ulong)i)), Is.EqualTo(Enumerable.Range(0, 5).Select(i => b.Bits((ulong)i))));
        Assert.That(a.Bits(0), Is.Not.EqualTo(c.Bits(0)));
        var mean = Enumerable.Range(0, 10000).Average(i => a.Uniform((ulong)i));
        Assert.That(mean, Is.EqualTo(0.5).Within(0.02));
    }
}
