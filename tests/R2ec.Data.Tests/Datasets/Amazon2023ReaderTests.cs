using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class Amazon2023ReaderTests
{
    private const string Ratings =
        "user_id,parent_asin,rating,timestamp\n" +
        "AE1,B01,5.0,1672531200000\n" +
        "AE1,B02,4.0,1672617600123\n" +
        "AE2,B01,3.0,1672531300000\n";

    private static readonly string Meta = string.Join('\n',
        """{"main_category": "Toys", "title": "Rubik&#39;s Cube", "average_rating": 4.6, "rating_number": 812, "features": ["six sides"], "description": ["The classic", "puzzle &amp; more."], "categories": ["Toys & Games", "Puzzles"], "store": "Rubik", "parent_asin": "B01"}""",
        """{"main_category": "Toys", "title": "Kite", "average_rating": null, "rating_number": null, "features": ["flies high", "red"], "description": [], "categories": [], "parent_asin": "B02"}""",
        """{"title": "Never rated", "parent_asin": "B99"}""") + "\n";

    [TestCase(false)]
    [TestCase(true)]
    public void Reads_ratings_and_metadata_plain_or_gzipped(bool gzip)
    {
        using var dir = new TempFolder();
        var z = gzip ? ".gz" : "";
        var log = Amazon2023Reader.Read(dir.Write("Toys.csv" + z, Ratings), dir.Write("meta_Toys.jsonl" + z, Meta), new ReaderOptions());
        var cube = log.Items!["B01"];
        var kite = log.Items["B02"];
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions[1], Is.EqualTo(new Interaction("AE1", "B02", 4f, 1672617600123, 1)), "timestamps are milliseconds already");
            Assert.That(cube.Title, Is.EqualTo("Rubik's Cube"));
            Assert.That(cube.AverageRating, Is.EqualTo(4.6f));
            Assert.That(cube.RatingCount, Is.EqualTo(812));
            Assert.That(cube.Description, Is.EqualTo("The classic puzzle & more."));
            Assert.That(cube.Genres, Is.EqualTo(new[] { "Toys & Games", "Puzzles" }));
            Assert.That(kite.AverageRating, Is.Null);
            Assert.That(kite.Description, Is.EqualTo("flies high red"), "features stand in for a missing description");
            Assert.That(kite.Genres, Is.EqualTo(new[] { "Toys" }), "main_category stands in for missing categories");
            Assert.That(log.Items.ContainsKey("B99"), Is.False, "metadata of items nobody rated is not kept");
            Assert.That(log.Sources, Has.Count.EqualTo(2));
        });
    }

    [TestCase("""{"title": 5, "parent_asin": "B01"}""", "title")]
    [TestCase("""{"title": "x", "average_rating": "high", "parent_asin": "B01"}""", "average_rating")]
    [TestCase("""{"title": "x", "description": "not a list", "parent_asin": "B01"}""", "description")]
    [TestCase("""{"title": "x"}""", "parent_asin")]
    [TestCase("""{"title": "x", "parent_asin": "B01" """, null)]
    public void A_malformed_metadata_line_names_file_line_and_field(string line, string? field)
    {
        using var dir = new TempFolder();
        var meta = dir.Write("meta_Toys.jsonl", Meta + line + "\n");
        var e = Assert.Throws<DataFormatException>(() => Amazon2023Reader.Read(dir.Write("Toys.csv", Ratings), meta, new ReaderOptions()));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo(meta));
            Assert.That(e.Line, Is.EqualTo(4));
            Assert.That(e.Field, Is.EqualTo(field));
        });
    }

    [Test]
    public void A_malformed_rating_row_is_skipped_and_counted_when_asked()
    {
        using var dir = new TempFolder();
        var ratings = dir.Write("Toys.csv", Ratings + "AE3,B01,5.0,yesterday\n");
        var meta = dir.Write("meta_Toys.jsonl", Meta + "{not json\n");
        var e = Assert.Throws<DataFormatException>(() => Amazon2023Reader.Read(ratings, meta, new ReaderOptions()));
        Assert.That(e!.Message, Is.EqualTo($"{ratings}:5: field 'timestamp': 'yesterday' is not a timestamp"));
        var log = Amazon2023Reader.Read(ratings, meta, new ReaderOptions(BadRowPolicy.Skip));
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions, Has.Count.EqualTo(3));
            Assert.That(log.SkippedRows, Is.EqualTo(2));
        });
    }

    [Test]
    public void Inputs_are_found_in_a_folder_by_name()
    {
        using var dir = new TempFolder();
        dir.Write("Toys.csv.gz", Ratings);
        dir.Write("meta_Toys.jsonl.gz", Meta);
        var log = DatasetInputs.Read(DatasetFormat.Amazon2023, [dir.Path], new ReaderOptions());
        Assert.That(log.Interactions, Has.Count.EqualTo(3));
        dir.Write("Other.csv", Ratings);
        Assert.That(() => DatasetInputs.Read(DatasetFormat.Amazon2023, [dir.Path], new ReaderOptions()),
            Throws.ArgumentException.With.Message.Contains("exactly one rating CSV"));
    }
}
