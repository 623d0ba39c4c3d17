using System.Text;
using R2ec.Training.Checkpoints;

namespace R2ec.Training.Tests.Checkpoints;

public sealed class CheckpointStoreTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-ckpt-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, ReadOnlyMemory<byte>> Files(string weights) => new()
    {
        ["model.safetensors"] = Encoding.UTF8.GetBytes(weights),
        ["optimizer.bin"] = new byte[] { 1, 2, 3 },
    };

    private static readonly Dictionary<string, string> Meta = new() { ["policy_version"] = "7" };

    [Test]
    public void SaveThenLoad_ReturnsTheSameBytesAndMetadata()
    {
        var store = new CheckpointStore(_dir);
        store.Save("recpo", 10, false, Files("w10"), Meta);

        var latest = store.LoadLatest(out var rejected);

        Assert.That(rejected, Is.Empty);
        Assert.That(latest, Is.Not.Null);
        Assert.That(latest!.Step, Is.EqualTo(10));
        Assert.That(latest.Metadata["policy_version"], Is.EqualTo("7"));
        Assert.That(Encoding.UTF8.GetString(store.Read(latest, "model.safetensors")), Is.EqualTo("w10"));
        Assert.That(store.Read(latest, "optimizer.bin"), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void CorruptNewest_FallsBackToThePreviousGoodCheckpoint_AndSaysWhy()
    {
        var store = new CheckpointStore(_dir);
        store.Save("recpo", 10, false, Files("w10"), Meta);
        var newest = store.Save("recpo", 20, false, Files("w20"), Meta);
        var damaged = Directory.GetDirectories(_dir).Single(d => d.EndsWith("-00000020", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(damaged, "model.safetensors"), "w2X");

        var latest = store.LoadLatest(out var rejected);

        Assert.That(newest.Step, Is.EqualTo(20));
        Assert.That(latest!.Step, Is.EqualTo(10));
        Assert.That(rejected.Single(), Does.Contain("model.safetensors").And.Contain("does not match"));
    }

    [Test]
    public void InterruptedSave_LeavesNoCheckpointAndKeepsThePreviousOne()
    {
        var store = new CheckpointStore(_dir);
        store.Save("lmwarmup", 5, true, Files("ok"), Meta);
        var bad = new Dictionary<string, ReadOnlyMemory<byte>>(Files("partial")) { ["../escape"] = new byte[1] };

        Assert.Throws<ArgumentException>(() => store.Save("recpo", 1, false, bad, Meta));

        Assert.That(Directory.GetDirectories(_dir), Has.Length.EqualTo(1), "no temporary or half checkpoint remains");
        Assert.That(store.LoadLatest(out _)!.Stage, Is.EqualTo("lmwarmup"));
    }

    [Test]
    public void Retention_KeepsTheNewestN_InWritingOrder()
    {
        var store = new CheckpointStore(_dir, keep: 2);
        for (var step = 1; step <= 4; step++)
            store.Save("recpo", step, false, Files($"w{step}"), Meta);

        var steps = store.ListValid().Select(m => m.Step);
        Assert.That(steps, Is.EqualTo(new long[] { 3, 4 }));
    }

    [Test]
    public void EmptyStore_HasNoLatest()
    {
        Assert.That(new CheckpointStore(_dir).LoadLatest(out var rejected), Is.Null);
        Assert.That(rejected, Is.Empty);
    }
}
