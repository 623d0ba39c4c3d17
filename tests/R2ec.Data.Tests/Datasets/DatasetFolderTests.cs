using System.Security.Cryptography;
using System.Text.Json;
using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

/// <summary>The dataset folder's atomic write, manifest and checksums, with a stand-in table format.</summary>
public class DatasetFolderTests
{
    [Test]
    public void Writes_tables_and_a_manifest_that_read_back_and_check_out()
    {
        using var dir = new TempFolder();
        var (log, dataset) = Fixture(dir);
        var folder = Path.Combine(dir.Path, "datasets", "tiny");
        var written = Write(folder, log, dataset, new JsonStore());

        var (manifest, back) = DatasetFolder.Read(folder, new JsonStore());
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(),
                Is.EqualTo(new[] { "items.json", "manifest.json", "test.json", "train.json", "valid.json" }));
            Assert.That(back.Train, Is.EqualTo(dataset.Train));
            Assert.That(back.Valid, Is.EqualTo(dataset.Valid));
            Assert.That(back.Test, Is.EqualTo(dataset.Test));
            Assert.That(back.Items, Is.EqualTo(dataset.Items));
            Assert.That(manifest.Counts, Is.EqualTo(dataset.Counts));
            Assert.That(manifest.Sources, Is.EqualTo(log.Sources));
            Assert.That(manifest.Files["train.json"].Rows, Is.EqualTo(dataset.Train.Count));
            Assert.That(manifest.CodeVersion, Is.EqualTo(written.CodeVersion).And.Not.Empty);
            Assert.That(manifest.Parameters, Is.EqualTo(new PrepareOptions { KCore = 1 }));
            foreach (var source in manifest.Sources)
                Assert.That(source.Sha256, Is.EqualTo(Sha(source.Path)), source.Path);
            foreach (var (name, file) in manifest.Files)
                Assert.That(file.Sha256, Is.EqualTo(Sha(Path.Combine(folder, name))), name);
            Assert.That(Directory.GetDirectories(Path.GetDirectoryName(folder)!), Is.EqualTo(new[] { folder }), "no temporary folder is left");
        });
    }

    [Test]
    public void A_failure_while_writing_leaves_the_old_dataset_and_no_temporary_folder()
    {
        using var dir = new TempFolder();
        var (log, dataset) = Fixture(dir);
        var folder = Path.Combine(dir.Path, "out");
        Write(folder, log, dataset, new JsonStore());
        var before = File.ReadAllText(Path.Combine(folder, DatasetFolder.ManifestName));

        Assert.Throws<IOException>(() => Write(folder, log, dataset, new JsonStore { FailOn = "items" }, overwrite: true));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(Path.Combine(folder, DatasetFolder.ManifestName)), Is.EqualTo(before));
            Assert.That(Directory.GetDirectories(dir.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "out" }));
        });
    }

    [Test]
    public void An_existing_dataset_is_replaced_only_when_asked_and_other_folders_never()
    {
        using var dir = new TempFolder();
        var (log, dataset) = Fixture(dir);
        var folder = Path.Combine(dir.Path, "out");
        Write(folder, log, dataset, new JsonStore());
        Assert.That(() => Write(folder, log, dataset, new JsonStore()), Throws.InstanceOf<IOException>().With.Message.Contains("--force"));
        Assert.That(() => Write(folder, log, dataset, new JsonStore(), overwrite: true), Throws.Nothing);

        var precious = Path.Combine(dir.Path, "precious");
        Directory.CreateDirectory(precious);
        File.WriteAllText(Path.Combine(precious, "notes.txt"), "keep");
        Assert.That(() => Write(precious, log, dataset, new JsonStore(), overwrite: true), Throws.InstanceOf<IOException>().With.Message.Contains("not a prepared dataset"));
        Assert.That(File.ReadAllText(Path.Combine(precious, "notes.txt")), Is.EqualTo("keep"));
    }

    [Test]
    public void An_altered_table_fails_the_checksum()
    {
        using var dir = new TempFolder();
        var (log, dataset) = Fixture(dir);
        var folder = Path.Combine(dir.Path, "out");
        Write(folder, log, dataset, new JsonStore());
        File.AppendAllText(Path.Combine(folder, "test.json"), " ");
        Assert.That(() => DatasetFolder.Read(folder, new JsonStore()),
            Throws.TypeOf<DataFormatException>().With.Message.Contains("test.json").And.Message.Contains("altered"));
    }

    [Test]
    public void Stats_count_splits_histories_and_density()
    {
        using var dir = new TempFolder();
        var (_, dataset) = Fixture(dir);
        var stats = DatasetStats.Compute(dataset);
        var text = new StringWriter();
        stats.Write(text);
        Assert.Multiple(() =>
        {
            Assert.That((stats.Users, stats.Items, stats.Interactions), Is.EqualTo((2, 3, 5L)));
            Assert.That(stats.HistoryLengths, Is.EqualTo(new long[] { 0, 2, 1 }));
            Assert.That(stats.Density, Is.EqualTo(5.0 / 6).Within(1e-12));
            Assert.That(text.ToString(), Does.Contain("samples           3 (train"));
        });
    }

    private static DatasetManifest Write(string folder, InteractionLog log, PreparedDataset dataset, IDatasetTableStore store, bool overwrite = false) =>
        DatasetFolder.Write(folder, dataset, log.Sources, new PrepareOptions { KCore = 1 }, skipBadRows: false, synthetic: null, store, overwrite);

    private static (InteractionLog, PreparedDataset) Fixture(TempFolder dir)
    {
        dir.Write("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4.0,1\n1,20,3.0,2\n1,30,5.0,3\n2,10,2.5,4\n2,30,1.0,5\n");
        dir.Write("movies.csv", "movieId,title,genres\n10,Heat (1995),Crime\n20,Up (2009),Animation|Comedy\n30,Alien (1979),Horror\n");
        var log = MovieLensReader.Read(dir.Path, new ReaderOptions());
        return (log, DatasetPreparer.Prepare(log, new PrepareOptions { KCore = 1 }));
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>A stand-in table format: JSON, enough to test the folder logic without the Parquet codec.</summary>
    private sealed class JsonStore : IDatasetTableStore
    {
        private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

        public string? FailOn { get; init; }

        public string Extension => ".json";

        public void WriteSamples(string path, IReadOnlyList<Sample> samples) => Write(path, samples);

        public void WriteItems(string path, IReadOnlyList<ItemRecord> items) => Write(path, items);

        public IReadOnlyList<Sample> ReadSamples(string path) => JsonSerializer.Deserialize<List<Sample>>(File.ReadAllText(path), Options)!;

        public IReadOnlyList<ItemRecord> ReadItems(string path) => JsonSerializer.Deserialize<List<ItemRecord>>(File.ReadAllText(path), Options)!;

        private void Write<T>(string path, T value)
        {
            if (FailOn is not null && Path.GetFileNameWithoutExtension(path) == FailOn)
                throw new IOException("disk full (simulated)");
            File.WriteAllText(path, JsonSerializer.Serialize(value, Options));
        }
    }
}
