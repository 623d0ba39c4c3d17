using System.Text;
using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class MovieLensReaderTests
{
    private const string Movies = "movieId,title,genres\r\n1,Toy Story (1995),Animation|Comedy\r\n2,\"American President, The (1995)\",Romance\r\n3,Tom &amp; Jerry (1992),(no genres listed)\r\n";

    [Test]
    public void Reads_csv_with_quoted_titles_and_seconds_as_milliseconds()
    {
        using var dir = new TempFolder();
        dir.Write("ratings.csv", "userId,movieId,rating,timestamp\r\n1,1,4.0,100\r\n1,2,3.5,50\r\n");
        dir.Write("movies.csv", Movies);
        var log = MovieLensReader.Read(dir.Path, new ReaderOptions());
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions, Is.EqualTo(new[] { new Interaction("1", "1", 4f, 100_000, 0), new Interaction("1", "2", 3.5f, 50_000, 1) }));
            Assert.That(log.Items!["2"].Title, Is.EqualTo("American President, The (1995)"));
            Assert.That(log.Items["1"].Genres, Is.EqualTo(new[] { "Animation", "Comedy" }));
            Assert.That(log.Items["3"].Title, Is.EqualTo("Tom & Jerry (1992)"), "HTML entities are unescaped");
            Assert.That(log.Items["3"].Genres, Is.Empty);
            Assert.That(log.HasTimestamps, Is.True);
            Assert.That(log.Sources.Select(s => Path.GetFileName(s.Path)), Is.EqualTo(new[] { "movies.csv", "ratings.csv" }));
        });
    }

    [Test]
    public void Reads_gzipped_csv_and_checksums_the_stored_bytes()
    {
        using var dir = new TempFolder();
        var ratings = dir.Write("ratings.csv.gz", "userId,movieId,rating,timestamp\n1,1,4.0,100\n");
        dir.Write("movies.csv.gz", Movies);
        var log = MovieLensReader.Read(dir.Path, new ReaderOptions());
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(ratings)));
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions, Has.Count.EqualTo(1));
            Assert.That(log.Sources.Single(s => s.Path == ratings).Sha256, Is.EqualTo(expected));
            Assert.That(log.Sources.Single(s => s.Path == ratings).Bytes, Is.EqualTo(new FileInfo(ratings).Length));
        });
    }

    [Test]
    public void Reads_ml_1m_dat_files_in_latin1()
    {
        using var dir = new TempFolder();
        dir.Write("ratings.dat", "1::10::5::978300760\n2::10::3::978300761\n");
        dir.Write("movies.dat", "10::Amélie (2001)::Comedy|Romance\n", Encoding.Latin1);
        var log = MovieLensReader.Read(dir.Path, new ReaderOptions());
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions[1], Is.EqualTo(new Interaction("2", "10", 3f, 978_300_761_000, 1)));
            Assert.That(log.Items!["10"].Title, Is.EqualTo("Amélie (2001)"));
        });
    }

    [TestCase("1,1,four,100", 2L, "rating")]
    [TestCase("1,1,4.0,-5", 2L, "timestamp")]
    [TestCase("1,,4.0,5", 2L, "movieId")]
    [TestCase("1,1,4.0", 2L, null)]
    public void A_malformed_rating_row_names_file_line_and_field(string row, long line, string? field)
    {
        using var dir = new TempFolder();
        var ratings = dir.Write("ratings.csv", "userId,movieId,rating,timestamp\n" + row + "\n1,1,4.0,7\n");
        dir.Write("movies.csv", Movies);
        var e = Assert.Throws<DataFormatException>(() => MovieLensReader.Read(dir.Path, new ReaderOptions()));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo(ratings));
            Assert.That(e.Line, Is.EqualTo(line));
            Assert.That(e.Field, Is.EqualTo(field));
            Assert.That(e.Message, Does.StartWith($"{ratings}:{line}"));
        });
    }

    [Test]
    public void Skip_bad_rows_skips_and_counts_them()
    {
        using var dir = new TempFolder();
        dir.Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,x,1\n1,2,4,2\n1,3,4\n");
        dir.Write("movies.csv", Movies + "3,Again,Drama\n");
        var log = MovieLensReader.Read(dir.Path, new ReaderOptions(BadRowPolicy.Skip));
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions.Select(e => e.Item), Is.EqualTo(new[] { "2" }));
            Assert.That(log.SkippedRows, Is.EqualTo(3), "two bad ratings and a movie described twice");
        });
    }

    [Test]
    public void A_movie_described_twice_fails_naming_the_first_line()
    {
        using var dir = new TempFolder();
        dir.Write("ratings.csv", "userId,movieId,rating,timestamp\n");
        dir.Write("movies.csv", Movies + "1,Toy Story again,Comedy\n");
        var e = Assert.Throws<DataFormatException>(() => MovieLensReader.Read(dir.Path, new ReaderOptions()));
        Assert.That(e!.Message, Does.Contain(":5: field 'item'").And.Contain("line 2"));
    }

    [Test]
    public void A_missing_header_column_or_file_is_named()
    {
        using var dir = new TempFolder();
        dir.Write("ratings.csv", "userId,itemId,rating,timestamp\n");
        dir.Write("movies.csv", Movies);
        Assert.That(() => MovieLensReader.Read(dir.Path, new ReaderOptions()),
            Throws.TypeOf<DataFormatException>().With.Property(nameof(DataFormatException.Field)).EqualTo("movieId"));
        File.Delete(Path.Combine(dir.Path, "movies.csv"));
        Assert.That(() => MovieLensReader.Read(dir.Path, new ReaderOptions()),
            Throws.TypeOf<DataFormatException>().With.Message.Contains("no movies.csv"));
    }
}
