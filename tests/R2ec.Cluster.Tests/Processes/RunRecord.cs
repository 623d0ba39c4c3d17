using System.Text.Json;
using System.Text.RegularExpressions;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>An event of a run's event log (events.jsonl), at its position in the file.</summary>
internal sealed record RunEvent(int Index, string Template, string Message, JsonElement Fields)
{
    public string Text(string field) => Fields.TryGetProperty(field, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";

    public long Number(string field) => Fields.GetProperty(field).GetInt64();
}

/// <summary>A group the learner accepted into a step (its accounting line in the event log).</summary>
internal sealed record AcceptedGroup(int Index, long Step, long Sample, string Worker);

/// <summary>
/// What a finished run left: the test table printed on stdout, every metrics.jsonl line with its values as written
/// (numbers compared as text, so equal means bitwise equal) and the event log.
/// </summary>
internal sealed partial class RunRecord
{
    private const string AcceptedTemplate = "Coordinator accepted group of step {Step}, sample {Sample} from {Worker} at policy version {PolicyVersion}";

    private RunRecord(string root, string[] table, IReadOnlyList<(string Stage, long Step, SortedDictionary<string, string> Values)> metrics,
        IReadOnlyList<RunEvent> events)
    {
        Root = root;
        Table = table;
        Metrics = metrics;
        Events = events;
    }

    public string Root { get; }

    /// <summary>The test table's lines (header, rule, one row per method).</summary>
    public string[] Table { get; }

    /// <summary>Every metrics line in file order; a resumed run repeats the steps after its checkpoint.</summary>
    public IReadOnlyList<(string Stage, long Step, SortedDictionary<string, string> Values)> Metrics { get; }

    public IReadOnlyList<RunEvent> Events { get; }

    public IEnumerable<AcceptedGroup> Accepted => Events.Where(e => e.Template == AcceptedTemplate)
        .Select(e => new AcceptedGroup(e.Index, e.Number("Step"), e.Number("Sample"), e.Text("Worker")));

    /// <summary>What the faults of a run cost, for the test's output: re-requests, dropped duplicates and ignored groups.</summary>
    public string DeliverySummary()
    {
        string Counter(string name) => string.Join(", ", Metrics.Where(m => m.Stage == "recpo" && m.Values.ContainsKey(name))
            .Select(m => $"step {m.Step}: {m.Values[name]}"));
        var ignored = Events.Where(e => e.Template.StartsWith("Coordinator ignored group", StringComparison.Ordinal))
            .Select(e => $"step {e.Text("Step")} sample {e.Text("Sample")} {e.Text("Outcome")}");
        return $"re-requests [{Counter("rerequests")}]; groups dropped [{Counter("groupsDropped")}]; ignored groups [{string.Join(", ", ignored)}]";
    }

    public static RunRecord Read(string root, IEnumerable<string> stdout)
    {
        var table = stdout.Where(l => l.StartsWith('|')).ToArray();
        var metrics = File.ReadLines(Path.Combine(root, "metrics.jsonl")).Select(ParseMetrics).ToList();
        var events = File.ReadLines(Path.Combine(root, "events.jsonl")).Select((line, i) =>
        {
            var e = JsonDocument.Parse(line).RootElement.Clone();
            return new RunEvent(i, e.GetProperty("@mt").GetString()!, e.GetProperty("@m").GetString()!, e);
        }).ToList();
        return new RunRecord(root, table, metrics, events);
    }

    /// <summary>
    /// The values of every (stage, step) that differ from <paramref name="expected"/>'s, timings left out
    /// (seconds, tokens/s, idle ratios, which workers sampled) and <paramref name="ignored"/> too; the last line of a step counts.
    /// Empty when the two runs computed the same numbers to the last bit.
    /// </summary>
    public List<string> MetricDifferences(RunRecord expected, params string[] ignored)
    {
        var actual = LastPerStep(this, ignored);
        var wanted = LastPerStep(expected, ignored);
        var differences = new List<string>();
        if (!actual.Keys.SequenceEqual(wanted.Keys))
            differences.Add($"steps differ: [{string.Join(", ", actual.Keys)}] vs expected [{string.Join(", ", wanted.Keys)}]");
        foreach (var (key, values) in wanted)
        {
            if (!actual.TryGetValue(key, out var got))
                continue;
            foreach (var name in values.Keys.Union(got.Keys))
            {
                var a = got.GetValueOrDefault(name, "(absent)");
                var e = values.GetValueOrDefault(name, "(absent)");
                if (a != e)
                    differences.Add($"{key} {name}: {a} vs expected {e}");
            }
        }
        return differences;
    }

    /// <summary>
    /// The learner's accounting checked against <paramref name="expected"/>'s: every (step, sample) group the reference
    /// used is accepted exactly once from event <paramref name="fromIndex"/> on, and no other. Empty when it holds.
    /// </summary>
    public List<string> AccountingDifferences(RunRecord expected, int fromIndex = 0, long fromStep = 0)
    {
        var wanted = expected.Accepted.Where(g => g.Step >= fromStep).Select(g => (g.Step, g.Sample)).ToHashSet();
        var counts = Accepted.Where(g => g.Index >= fromIndex && g.Step >= fromStep).CountBy(g => (g.Step, g.Sample)).ToDictionary();
        var differences = new List<string>();
        if (wanted.Count != expected.Accepted.Count(g => g.Step >= fromStep))
            differences.Add("the reference run itself accepted a group twice");
        differences.AddRange(wanted.Where(g => !counts.ContainsKey(g)).Select(g => $"step {g.Step}, sample {g.Sample}: never accepted"));
        differences.AddRange(counts.Where(c => c.Value != 1).Select(c => $"step {c.Key.Step}, sample {c.Key.Sample}: accepted {c.Value} times"));
        differences.AddRange(counts.Keys.Where(g => !wanted.Contains(g)).Select(g => $"step {g.Step}, sample {g.Sample}: accepted but not planned"));
        return differences;
    }

    private static SortedDictionary<string, SortedDictionary<string, string>> LastPerStep(RunRecord run, string[] ignored)
    {
        var steps = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (stage, step, values) in run.Metrics)
        {
            var kept = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in values.Where(v => !Timing().IsMatch(v.Key) && !ignored.Contains(v.Key)))
                kept[name] = value;
            // Stages sort by their first line's position; the key keeps a run's lines in order.
            steps[$"{StageOrder(stage)} {stage} step {step:D4}"] = kept;
        }
        return steps;
    }

    private static int StageOrder(string stage) => stage switch
    {
        "lmwarmup" => 1,
        "recwarmup" => 2,
        "recpo" => 3,
        "final" => 4,
        _ => 0,
    };

    private static (string Stage, long Step, SortedDictionary<string, string> Values) ParseMetrics(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject().Where(p => p.Name is not ("stage" or "step")))
        {
            if (p.Name == "metrics" && p.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var m in p.Value.EnumerateObject())
                    values[m.Name] = m.Value.GetRawText();
            }
            else
            {
                values[p.Name] = p.Value.GetRawText();
            }
        }
        return (root.GetProperty("stage").GetString()!, root.GetProperty("step").GetInt64(), values);
    }

    /// <summary>Wall-clock measurements, which no two runs share.</summary>
    // Which workers sampled a step (rolloutWorkers) is the pool's scheduling, not computation.
    [GeneratedRegex("seconds|persecond|idleratio|rolloutworkers", RegexOptions.IgnoreCase)]
    private static partial Regex Timing();
}
