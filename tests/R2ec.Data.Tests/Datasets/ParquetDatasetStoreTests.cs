using R2ec.Data.Datasets;
using R2ec.TestSupport;

namespace R2ec.Data.Tests.Datasets;

/// <summary>Prepared datasets written as Parquet by our codec and read back by it.</summary>
public class ParquetDatasetStoreTests
{
    [Test]
    public void MovieLens_small_reads_back_equal_and_the_manifest_checksums_match()
    {
        using var dir = new TempFolder();
        var log = MovieLensReader.Read(RepoPaths.SharedFile("datasets", "movielens-latest-small"), new ReaderOptions());
        var options = new PrepareOptions();
        var dataset = DatasetPreparer.Prepare(log, options);
        var folder = Path.Combine(dir.Path, "ml");
        DatasetFolder.Write(folder, dataset, log.Sources, options, skipBadRows: false, synthetic: null, new ParquetDatasetStore(), overwrite: false);

        var (manifest, back) = DatasetFolder.Read(folder, new ParquetDatasetStore());
        Assert.Multiple(() =>
        {
            Assert.That(back.Train, Is.EqualTo(dataset.Train));
            Assert.That(back.Valid, Is.EqualTo(dataset.Valid));
            Assert.That(back.Test, Is.EqualTo(dataset.Test));
            Assert.That(back.Items, Is.EqualTo(dataset.Items));
            // The published checksums of the staged files (../shared/datasets/movielens-latest-small/PROVENANCE.md).
            Assert.That(manifest.Sources.Single(s => s.Path.EndsWith("ratings.csv")).Sha256, Is.EqualTo("aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646"));
            Assert.That(manifest.Sources.Single(s => s.Path.EndsWith("movies.csv")).Sha256, Is.EqualTo("5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07"));
            Assert.That(manifest.Files.Keys.Order(), Is.EqualTo(new[] { "items.parquet", "test.parquet", "train.parquet", "valid.parquet" }));
            Assert.That(manifest.Files["train.parquet"].Rows, Is.EqualTo(80_180));
        });
    }

    [Test]
    public void Order_only_samples_without_ratings_and_items_without_metadata_round_trip()
    {
        using var dir = new TempFolder();
        var inter = dir.Write("x.inter", "user_id:token\titem_id_list:token_seq\titem_id:token\nu1\ta b c\td\nu2\td\ta\n");
        var log = RecBoleReader.Read(inter, null, new ReaderOptions());
        var dataset = DatasetPreparer.Prepare(log, new PrepareOptions());
        var store = new ParquetDatasetStore();
        store.WriteSamples(Path.Combine(dir.Path, "t.parquet"), dataset.Test);
        store.WriteItems(Path.Combine(dir.Path, "i.parquet"), dataset.Items);
        Assert.Multiple(() =>
        {
            Assert.That(store.ReadSamples(Path.Combine(dir.Path, "t.parquet")), Is.EqualTo(dataset.Test));
            Assert.That(float.IsNaN(store.ReadSamples(Path.Combine(dir.Path, "t.parquet"))[0].TargetRating), Is.True);
            Assert.That(store.ReadItems(Path.Combine(dir.Path, "i.parquet")), Is.EqualTo(dataset.Items));
        });
    }

    [Test]
    public void Reading_items_from_a_samples_file_names_the_file()
    {
        using var dir = new TempFolder();
        var store = new ParquetDatasetStore();
        var path = Path.Combine(dir.Path, "s.parquet");
        store.WriteSamples(path, [new Sample(0, "u", 1, [1], [4f], [0], 2, 5f, 1)]);
        Assert.That(() => store.ReadItems(path), Throws.TypeOf<DataFormatException>().With.Message.Contains(path).And.Message.Contains("samples"));
    }
}
