using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class DatasetInputsTests
{
    [Test]
    public void Synthetic_takes_no_input_and_uses_its_options()
    {
        var log = DatasetInputs.Read(DatasetFormat.Synthetic, [], new ReaderOptions(), new SyntheticOptions { Users = 3, Items = 40 });
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions.Select(e => e.User).Distinct().Count(), Is.EqualTo(3));
            Assert.That(log.Sources.Single().Path, Does.StartWith("synthetic:seed=42"));
            Assert.That(() => DatasetInputs.Read(DatasetFormat.Synthetic, ["x"], new ReaderOptions()), Throws.ArgumentException);
        });
    }

    [Test]
    public void Inputs_that_do_not_fit_the_format_are_named()
    {
        using var dir = new TempFolder();
        var file = dir.Write("ratings.csv", "userId,movieId,rating,timestamp\n");
        Assert.Multiple(() =>
        {
            Assert.That(() => DatasetInputs.Read(DatasetFormat.MovieLens, [file], new ReaderOptions()),
                Throws.ArgumentException.With.Message.Contains("the folder"));
            Assert.That(() => DatasetInputs.Read(DatasetFormat.RecBole, [Path.Combine(dir.Path, "missing.inter")], new ReaderOptions()),
                Throws.ArgumentException.With.Message.Contains("does not exist"));
            Assert.That(() => DatasetInputs.Read(DatasetFormat.RecBole, [dir.Path], new ReaderOptions()),
                Throws.ArgumentException.With.Message.Contains(".inter file"));
            Assert.That(() => DatasetInputs.Read(DatasetFormat.Amazon2023, [], new ReaderOptions()),
                Throws.ArgumentException.With.Message.Contains("--input is required"));
        });
    }
}
