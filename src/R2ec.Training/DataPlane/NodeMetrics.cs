using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace R2ec.Training.DataPlane;

/// <summary>
/// Counters and gauges of one node, written in the Prometheus text exposition format (version 0.0.4) for its
/// <c>/metrics</c> endpoint. Thread-safe; a metric's help text and type are fixed by its first use.
/// </summary>
public sealed partial class NodeMetrics
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, Family> _families = new(StringComparer.Ordinal);

    private sealed record Family(string Help, string Type)
    {
        public SortedDictionary<string, double> Samples { get; } = new(StringComparer.Ordinal);
        public Func<double>? Read { get; init; }
    }

    /// <summary>Adds <paramref name="by"/> to counter <paramref name="name"/> with the given labels.</summary>
    /// <exception cref="ArgumentException">The name or a label name is not a Prometheus name, or the name is a gauge.</exception>
    public void Increment(string name, string help, double by = 1, params (string Name, string Value)[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(by);
        var key = LabelText(labels);
        lock (_gate)
        {
            var family = FamilyOf(name, help, "counter", read: null);
            family.Samples[key] = family.Samples.GetValueOrDefault(key) + by;
        }
    }

    /// <summary>Registers gauge <paramref name="name"/>, read from <paramref name="read"/> each time the metrics are written.</summary>
    public void Gauge(string name, string help, Func<double> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
            FamilyOf(name, help, "gauge", read);
    }

    /// <summary>The current value of a counter sample, 0 if it was never incremented.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        lock (_gate)
            return _families.TryGetValue(name, out var family) ? family.Samples.GetValueOrDefault(LabelText(labels)) : 0;
    }

    /// <summary>All metrics in the Prometheus text format.</summary>
    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var (name, family) in _families)
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(family.Type).Append('\n');
                if (family.Read is { } read)
                    text.Append(name).Append(' ').Append(Number(read())).Append('\n');
                foreach (var (labels, value) in family.Samples)
                    text.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
            }
        }
        return text.ToString();
    }

    private Family FamilyOf(string name, string help, string type, Func<double>? read)
    {
        if (!MetricName().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a Prometheus metric name", nameof(name));
        if (_families.TryGetValue(name, out var family))
        {
            if (family.Type != type)
                throw new ArgumentException($"metric '{name}' is a {family.Type}, not a {type}", nameof(name));
            return family;
        }
        return _families[name] = new Family(help, type) { Read = read };
    }

    private static string LabelText((string Name, string Value)[] labels)
    {
        if (labels.Length == 0)
            return "";
        var text = new StringBuilder("{");
        foreach (var (name, value) in labels.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            if (!LabelName().IsMatch(name))
                throw new ArgumentException($"'{name}' is not a Prometheus label name", nameof(labels));
            if (text.Length > 1)
                text.Append(',');
            text.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")).Append('"');
        }
        return text.Append('}').ToString();
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
