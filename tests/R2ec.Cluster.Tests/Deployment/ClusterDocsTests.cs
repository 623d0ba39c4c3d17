using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using R2ec.TestSupport;
using R2ec.Training.Configuration;

namespace R2ec.Cluster.Tests.Deployment;

/// <summary>docs/cluster.md documents every configuration key, each in its own table row.</summary>
public sealed class ClusterDocsTests
{
    private static string Docs => File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "cluster.md"));

    private static IEnumerable<string> Undocumented(IEnumerable<string> keys, string docs) =>
        keys.Where(key => !docs.Contains($"| `{key}` |", StringComparison.Ordinal));

    [Test]
    public void Every_key_of_cluster_json_has_a_row()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, Repository.ClusterConfig)));
        var keys = json.RootElement.EnumerateObject()
            .SelectMany(section => section.Value.EnumerateObject().Select(key => $"{section.Name}:{key.Name}")).ToList();

        Assert.That(keys, Has.Count.GreaterThan(70), "cluster.json was read");
        Assert.That(Undocumented(keys, Docs), Is.Empty);
    }

    [Test]
    public void Every_key_of_the_options_schema_has_a_row()
    {
        // Keys cluster.json leaves at their defaults (Logging:File) are settable too, so they are documented as well.
        var keys = typeof(JobOptions).GetProperties().SelectMany(section => section.PropertyType
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => $"{section.Name}:{p.Name}")).ToList();

        Assert.That(keys, Does.Contain("Cluster:DrainSeconds").And.Contain("Logging:File"));
        Assert.That(Undocumented(keys, Docs), Is.Empty);
    }

    [Test]
    public void A_missing_row_is_reported()
    {
        var docs = Docs.Replace("| `Cluster:DrainSeconds` |", "| DrainSeconds |", StringComparison.Ordinal);
        Assert.That(Undocumented(["Cluster:DrainSeconds", "Run:Seed"], docs), Is.EqualTo(new[] { "Cluster:DrainSeconds" }));
    }
}
