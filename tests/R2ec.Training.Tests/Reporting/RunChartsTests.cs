using System.Text.RegularExpressions;
using R2ec.Training.Experiments;
using R2ec.Training.Reporting;

namespace R2ec.Training.Tests.Reporting;

public sealed class RunChartsTests
{
    private static readonly RecPOStepRecord[] Steps =
    [
        new(1, 0.20, 18, 0.5, 2.0, 0.001, 0.10),
        new(2, 0.25, 16, 0.4, 1.5, 0.002, 0.05),
        new(3, 0.30, 14, 0.3, 1.0, 0.004, 0.00),
    ];

    [Test]
    public void FromMetrics_PlotsEachRecordedValueAtItsStep()
    {
        var charts = RunCharts.FromMetrics(Steps, [new ValidationRecord(2, 64, [0.1, 0.2, 0.3], [0.1, 0.1, 0.1])]);

        Assert.That(charts.Select(c => c.Title), Is.EqualTo(new[]
        {
            "Mean training reward", "Validation Hit@10", "Losses", "KL and clip fraction", "Reasoning length (tokens per trajectory)",
        }));
        Assert.That(charts[0].Series.Single().Points, Is.EqualTo(new[] { (1.0, 0.20), (2.0, 0.25), (3.0, 0.30) }));
        Assert.That(charts[1].Series.Single().Points, Is.EqualTo(new[] { (2.0, 0.2) }), "Hit@10, not Hit@5");
        Assert.That(charts[2].Series.Select(s => s.Points[2].Y), Is.EqualTo(new[] { 0.3, 1.0 }), "token then item loss");
        Assert.That(charts[3].Series.Select(s => s.Points[0].Y), Is.EqualTo(new[] { 0.001, 0.10 }), "KL then clip fraction");
        Assert.That(charts[4].Series.Single().Points.Select(p => p.Y), Is.EqualTo(new[] { 18.0, 16, 14 }));
        Assert.That(RunCharts.FromMetrics(Steps, []).Select(c => c.Title), Does.Not.Contain("Validation Hit@10"), "no validations, no chart");
    }

    [Test]
    public void Svg_PlacesTheSmallestValueAtTheBottomLeftAndTheLargestAtTheTopRight()
    {
        var svg = RunCharts.Svg(new Chart("reward <mean>", [new ChartSeries("reward", [(1, 0.2), (2, 0.3), (3, 0.25)])]));

        var (x0, y0) = RunCharts.Place(1, 0.2, 1, 3, 0.2, 0.3);
        var (x1, y1) = RunCharts.Place(2, 0.3, 1, 3, 0.2, 0.3);
        Assert.That(x0, Is.LessThan(x1));
        Assert.That(y0, Is.GreaterThan(y1), "SVG's y grows downwards: the larger value is higher up");
        var polyline = Regex.Match(svg, "<polyline[^>]*points=\"([^\"]*)\"").Groups[1].Value.Split(' ');
        Assert.That(polyline, Has.Length.EqualTo(3));
        Assert.That(polyline[0], Is.EqualTo(FormattableString.Invariant($"{x0:F1},{y0:F1}")));
        Assert.That(polyline[1], Is.EqualTo(FormattableString.Invariant($"{x1:F1},{y1:F1}")));
        var mid = RunCharts.Place(3, 0.25, 1, 3, 0.2, 0.3).Y;
        Assert.That(mid, Is.EqualTo((y0 + y1) / 2).Within(1e-9), "y is linear in the value");
        Assert.That(svg, Does.Contain("reward &lt;mean&gt;").And.Not.Contain("<mean>"));
    }

    [Test]
    public void ExamplesMarkdown_KeepsEachExampleOnOneRow()
    {
        var markdown = RunCharts.ExamplesMarkdown([new ReasoningExample(4, 12, 0.31234, "likes a|b\nthen c"), new ReasoningExample(5, 1, 1, "")]);
        var lines = markdown.TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines[2], Is.EqualTo("| 4 | 12 | 0.3123 | likes a\\|b then c |"));
        Assert.That(lines[3], Is.EqualTo("| 5 | 1 | 1.0000 | (none) |"));
    }

    [Test]
    public void Html_ShowsEachValidationsReasoningExamples()
    {
        var html = RunCharts.Html("run", "text", [], [new ValidationRecord(10, 64, [0, 0, 0], [0, 0, 0], [new ReasoningExample(0, 7, 0.5, "<b>bold</b>")])]);
        Assert.That(html, Does.Contain("Validation after RecPO step 10").And.Contain("| 0 | 7 | 0.5000 | &lt;b&gt;bold&lt;/b&gt; |"));
    }

    [Test]
    public void Html_HoldsTheReportTextAndOneSvgPerChart()
    {
        var charts = RunCharts.FromMetrics(Steps, []);
        var html = RunCharts.Html("run x", "| a | b |\n<script>", charts);

        Assert.That(Regex.Matches(html, "<svg ").Count, Is.EqualTo(charts.Count));
        Assert.That(html, Does.Contain("| a | b |").And.Contain("&lt;script&gt;").And.Not.Contain("<script>"));
    }
}
