using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class RecBoleReaderTests
{
    private const string Items = "item_id:token\ttitle:token_seq\tgenre:token_seq\ni1\tThe Matrix\tAction Sci-Fi\ni2\tHeat\tCrime\ni3\tUp\tAnimation\n";

    [Test]
    public void Reads_per_interaction_rows_with_ratings_and_float_seconds()
    {
        using var dir = new TempFolder();
        var inter = dir.Write("ml.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\nu1\ti1\t4\t978300760.0\nu1\ti2\t3.5\t978300761\n");
        var log = RecBoleReader.Read(inter, dir.Write("ml.item", Items), new ReaderOptions());
        Assert.Multiple(() =>
        {
            Assert.That(log.HasTimestamps, Is.True);
            Assert.That(log.Interactions, Is.EqualTo(new[] { new Interaction("u1", "i1", 4f, 978_300_760_000, 0), new Interaction("u1", "i2", 3.5f, 978_300_761_000, 1) }));
            Assert.That(log.Items!["i1"].Title, Is.EqualTo("The Matrix"));
            Assert.That(log.Items["i1"].Genres, Is.EqualTo(new[] { "Action", "Sci-Fi" }));
        });
    }

    [Test]
    public void Rows_without_timestamps_keep_the_order_given_and_split_leave_last_out()
    {
        using var dir = new TempFolder();
        var inter = dir.Write("x.inter.gz", "user_id:token\titem_id:token\nu1\ti3\nu2\ti1\nu1\ti1\nu1\ti2\nu2\ti2\n");
        var log = RecBoleReader.Read(inter, null, new ReaderOptions());
        var d = DatasetPreparer.Prepare(log, new PrepareOptions());
        Assert.Multiple(() =>
        {
            Assert.That(log.HasTimestamps, Is.False);
            Assert.That(log.Items, Is.Null);
            Assert.That(log.Interactions.Select(e => e.Time), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
            Assert.That(float.IsNaN(log.Interactions[0].Rating), Is.True);
            Assert.That(d.Split, Is.EqualTo(SplitMode.LeaveLastOut));
            Assert.That(d.Item(d.Test.Single(s => s.UserKey == "u1").Target).Key, Is.EqualTo("i2"));
            Assert.That(d.Item(d.Valid.Single().Target).Key, Is.EqualTo("i1"));
            Assert.That(d.Test.Single(s => s.UserKey == "u1").History.Select(i => d.Item(i).Key), Is.EqualTo(new[] { "i3", "i1" }));
            Assert.That(d.Item(d.Test.Single(s => s.UserKey == "u2").Target).Key, Is.EqualTo("i2"));
            Assert.That(d.Train, Is.Empty);
            Assert.That(d.Item(1).Title, Is.EqualTo("i3"), "without an .item file an item is titled by its token");
        });
    }

    [Test]
    public void Reads_the_sequential_benchmark_form_one_user_per_line()
    {
        using var dir = new TempFolder();
        var inter = dir.Write("seq.inter", "user_id:token\titem_id_list:token_seq\titem_id:token\nu1\ti1 i2\ti3\nu2\ti3\ti1\n");
        var log = RecBoleReader.Read(inter, dir.Write("seq.item", Items), new ReaderOptions());
        var d = DatasetPreparer.Prepare(log, new PrepareOptions());
        Assert.Multiple(() =>
        {
            Assert.That(log.Interactions.Select(e => (e.User, e.Item)), Is.EqualTo(new[] { ("u1", "i1"), ("u1", "i2"), ("u1", "i3"), ("u2", "i3"), ("u2", "i1") }));
            Assert.That(d.Test.Select(s => d.Item(s.Target).Title), Is.EqualTo(new[] { "Up", "The Matrix" }));
            Assert.That(d.Test[0].History.Select(i => d.Item(i).Title), Is.EqualTo(new[] { "The Matrix", "Heat" }));
        });
    }

    [Test]
    public void A_user_given_twice_in_the_sequential_form_is_a_bad_row()
    {
        using var dir = new TempFolder();
        var inter = dir.Write("seq.inter", "user_id:token\titem_id_list:token_seq\titem_id:token\nu1\ti1\ti2\nu1\ti2\ti3\n");
        var e = Assert.Throws<DataFormatException>(() => RecBoleReader.Read(inter, null, new ReaderOptions()));
        Assert.That(e!.Message, Is.EqualTo($"{inter}:3: field 'user_id': user 'u1' already has a sequence on line 2"));
        Assert.That(RecBoleReader.Read(inter, null, new ReaderOptions(BadRowPolicy.Skip)).SkippedRows, Is.EqualTo(1));
    }

    [TestCase("user_id:token\titem_id:token\trating:float\nu1\ti1\tgood\n", 2L, "rating")]
    [TestCase("user_id:token\titem_id:token\nu1\ti1\textra\n", 2L, null)]
    [TestCase("user_id:token\titem:token\n", 1L, "item_id")]
    [TestCase("user_id:token\titem_id:tok\n", 1L, "item_id")]
    [TestCase("user_id\titem_id:token\n", 1L, "user_id")]
    [TestCase("user_id:token\titem_id:float\n", 1L, "item_id")]
    public void Malformed_headers_and_rows_name_file_line_and_field(string text, long line, string? field)
    {
        using var dir = new TempFolder();
        var inter = dir.Write("bad.inter", text);
        var e = Assert.Throws<DataFormatException>(() => RecBoleReader.Read(inter, null, new ReaderOptions()));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo(inter));
            Assert.That(e.Line, Is.EqualTo(line));
            Assert.That(e.Field, Is.EqualTo(field));
        });
    }

    [Test]
    public void Folder_input_finds_the_inter_and_item_files()
    {
        using var dir = new TempFolder();
        dir.Write("ml.inter", "user_id:token\titem_id:token\nu1\ti1\nu1\ti2\n");
        dir.Write("ml.item", Items);
        var log = DatasetInputs.Read(DatasetFormat.RecBole, [dir.Path], new ReaderOptions());
        Assert.That(log.Items, Has.Count.EqualTo(3));
    }
}
