using R2ec.TestSupport;

namespace R2ec.Cli.Tests.Commands;

[NonParallelizable] // the CLI installs the process-wide Serilog logger
public sealed class DataCommandTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "r2ec-cli-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run([.. args, "--log-format", "json"], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Prepare_then_stats_on_movielens_small()
    {
        var folder = Path.Combine(_dir, "ml");
        var prepare = Run("data", "prepare", "--format", "movielens", "--input", RepoPaths.SharedFile("datasets", "movielens-latest-small"), "--output", folder);
        Assert.That(prepare.Code, Is.Zero, prepare.Err);
        Assert.That(prepare.Out, Does.Contain("kept              100,836 interactions, 610 users, 9,724 items"));

        var stats = Run("data", "stats", folder);
        Assert.That(stats.Code, Is.Zero, stats.Err);
        Assert.That(stats.Out, Does.Contain("users             610").And.Contain("items             9,724")
            .And.Contain("samples           100,226 (train 80,180, valid 10,022, test 10,024)")
            .And.Contain("time span         1996-03-29 18:36:55 to 2018-09-24 14:27:30 UTC"));
    }

    [Test]
    public void Synthetic_is_labelled_synthetic()
    {
        var folder = Path.Combine(_dir, "syn");
        var prepare = Run("data", "prepare", "--format", "synthetic", "--output", folder, "--users", "20", "--items", "50");
        Assert.That(prepare.Code, Is.Zero, prepare.Err);
        Assert.That(prepare.Out, Does.StartWith("SYNTHETIC"));
        Assert.That(Run("data", "stats", folder).Out, Does.StartWith("SYNTHETIC").And.Contain("users             20"));
    }

    [Test]
    public void Time_window_and_k_core_are_applied_and_recorded()
    {
        var folder = Path.Combine(_dir, "syn");
        var prepare = Run("data", "prepare", "--format", "synthetic", "--output", folder, "--since", "2024-03-01", "--until", "2024-10-01", "--kcore", "3", "--window", "5");
        Assert.That(prepare.Code, Is.Zero, prepare.Err);
        var manifest = File.ReadAllText(Path.Combine(folder, "manifest.json"));
        Assert.That(manifest, Does.Contain("\"since\": \"2024-03-01T00:00:00+00:00\"").And.Contain("\"kCore\": 3").And.Contain("\"historyWindow\": 5"));
        Assert.That(prepare.Out, Does.Match(@"[1-9][0-9,]* outside time window, 0 duplicate, [1-9][0-9,]* k-core"));

        var bad = Run("data", "prepare", "--format", "synthetic", "--output", folder, "--since", "March");
        Assert.That(bad.Code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(bad.Err, Does.Contain("--since 'March' is not a date"));
    }

    [Test]
    public void A_bad_row_exits_2_naming_file_line_and_field_and_skip_bad_rows_counts_it()
    {
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,oops,2\n1,2,3,3\n");
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,A,Drama\n2,B,Drama\n");
        var folder = Path.Combine(_dir, "out");
        var failed = Run("data", "prepare", "--format", "movielens", "--input", _dir, "--output", folder);
        Assert.That(failed.Code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(failed.Err, Does.Contain("ratings.csv:3: field 'rating': 'oops' is not a number"));
        Assert.That(Directory.Exists(folder), Is.False, "nothing is written on bad input");

        var skipped = Run("data", "prepare", "--format", "movielens", "--input", _dir, "--output", folder, "--skip-bad-rows");
        Assert.That(skipped.Code, Is.Zero, skipped.Err);
        Assert.That(File.ReadAllText(Path.Combine(folder, "manifest.json")), Does.Contain("\"skippedRows\": 1"));
    }

    [Test]
    public void Stats_of_a_folder_that_is_not_a_dataset_exits_2()
    {
        var stats = Run("data", "stats", _dir);
        Assert.That(stats.Code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(stats.Err, Does.Contain("manifest.json"));
    }
}
