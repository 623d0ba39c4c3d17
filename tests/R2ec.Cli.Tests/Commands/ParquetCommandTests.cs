using System.Text.Json;
using R2ec.TestSupport;

namespace R2ec.Cli.Tests.Commands;

[NonParallelizable] // the CLI installs the process-wide Serilog logger
public sealed class ParquetCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["--log-format", "json", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string Corpus(string name) => RepoPaths.SharedFile("parquet-testing", name);

    [Test]
    public void Schema_prints_the_tree_rows_and_metadata()
    {
        var (code, output, _) = Run("parquet", "schema", Corpus("nested_lists.snappy.parquet"));
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("optional group a (List)").And.Contain("required int32 b;"));
        Assert.That(output, Does.Contain("rows: 3").And.Contain("metadata org.apache.spark.sql.parquet.row.metadata"));
    }

    [Test]
    public void Head_prints_json_lines_of_the_chosen_columns()
    {
        var (code, output, _) = Run("parquet", "head", Corpus("alltypes_plain.parquet"), "--rows", "3", "--columns", "id,bool_col");
        Assert.That(code, Is.Zero);
        var lines = output.Trim().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(3));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("id").GetInt32(), Is.EqualTo(4));
        Assert.That(first.RootElement.GetProperty("bool_col").GetBoolean(), Is.True);
        Assert.That(first.RootElement.EnumerateObject().Count(), Is.EqualTo(2));
    }

    [Test]
    public void Head_renders_maps_and_lists()
    {
        var (code, output, _) = Run("parquet", "head", Corpus("nonnullable.impala.parquet"), "--columns", "ID,Int_Array,Int_Map");
        Assert.That(code, Is.Zero);
        Assert.That(output.Trim(), Does.Contain("\"Int_Map\":[{\"key\":\"k1\",\"value\":-1}]").And.Contain("\"Int_Array\":[-1]"));
    }

    [Test]
    public void Head_refuses_a_list_of_lists_naming_the_column()
    {
        var (code, _, error) = Run("parquet", "head", Corpus("nonnullable.impala.parquet"), "--columns", "int_array_array");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("column 'int_array_array'"));
    }

    [Test]
    public void Stats_lists_codecs_encodings_and_sizes_per_column()
    {
        var (code, output, _) = Run("parquet", "stats", Corpus("datapage_v2.snappy.parquet"));
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("rows 5, row groups 1"));
        Assert.That(output, Does.Contain("SNAPPY").And.Contain("DELTA_BINARY_PACKED").And.Contain("RLE_DICTIONARY"));
    }

    [Test]
    public void Malformed_file_exits_2_naming_file_and_column()
    {
        var (code, _, error) = Run("parquet", "head", Corpus("nation.dict-malformed.parquet"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("nation.dict-malformed.parquet").And.Contain("column 'name'"));
    }

    [Test]
    public void Missing_file_exits_2()
    {
        var (code, _, error) = Run("parquet", "schema", "/no/such/file.parquet");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("/no/such/file.parquet"));
    }
}
