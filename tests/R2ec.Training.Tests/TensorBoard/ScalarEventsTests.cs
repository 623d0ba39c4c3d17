using R2ec.Data.Datasets;
using R2ec.Training.TensorBoard;

namespace R2ec.Training.Tests.TensorBoard;

public sealed class ScalarEventsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-tb-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Crc32C_matches_the_check_value_of_the_Castagnoli_polynomial() =>
        Assert.That(ScalarEvents.Crc32C("123456789"u8), Is.EqualTo(0xE3069283u));

    [Test]
    public void Metrics_lines_become_scalars_that_read_back_from_the_event_file()
    {
        var metrics = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(metrics,
        [
            """{"loss":6.25,"learningRate":8.3E-05,"stage":"lmwarmup","step":1,"tokens":4569}""",
            """{"stage":"recpo","step":3,"metrics":{ "rewardMean": 0.186, "gradNorm": 6.72, "generatedTokens": "693" }}""",
        ]);
        var path = ScalarEvents.WriteFromMetrics(metrics, Path.Combine(_dir, "tensorboard"));
        var again = ScalarEvents.WriteFromMetrics(metrics, Path.Combine(_dir, "tensorboard"));

        Assert.That(Directory.GetFiles(Path.Combine(_dir, "tensorboard")), Is.EqualTo(new[] { again }), "a rewrite replaces the previous file");
        Assert.That(ScalarEvents.Read(again), Is.EqualTo(new[]
        {
            new Scalar("lmwarmup/loss", 1, 6.25f), new Scalar("lmwarmup/learningRate", 1, 8.3e-5f), new Scalar("lmwarmup/tokens", 1, 4569),
            new Scalar("recpo/rewardMean", 3, 0.186f), new Scalar("recpo/gradNorm", 3, 6.72f), new Scalar("recpo/generatedTokens", 3, 693),
        }));
        Assert.That(path, Does.StartWith(Path.Combine(_dir, "tensorboard", "events.out.tfevents.")));
    }

    [Test]
    public void A_damaged_record_is_refused()
    {
        var path = Path.Combine(_dir, "events.out.tfevents.1.x.r2ec");
        ScalarEvents.Write(path, [new Scalar("a/b", 1, 2f)]);
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.That(() => ScalarEvents.Read(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("checksum"));
    }

    [Test]
    public void A_metrics_line_without_stage_and_step_names_its_file_and_line()
    {
        var metrics = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(metrics, ["""{"stage":"recpo","step":1}""", """{"loss":1}"""]);
        Assert.That(() => ScalarEvents.WriteFromMetrics(metrics, _dir),
            Throws.InstanceOf<DataFormatException>().With.Message.Contains(metrics).And.Message.Contains("2"));
    }
}
