using System.Globalization;
using System.Net;
using System.Text;
using R2ec.Training.Experiments;

namespace R2ec.Training.Reporting;

/// <summary>One line of a chart: its name and its (x, y) points in x order.</summary>
/// <param name="Name">The legend's text.</param>
/// <param name="Points">The points.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A line chart over the RecPO steps.</summary>
/// <param name="Title">The chart's title.</param>
/// <param name="Series">Its lines.</param>
public sealed record Chart(string Title, IReadOnlyList<ChartSeries> Series);

/// <summary>
/// The run report's pictures: the values of <c>metrics.jsonl</c> over the RecPO steps as charts (mean training reward,
/// validation Hit@10, the two losses, KL and clip fraction, reasoning length), and their rendering as inline SVG.
/// </summary>
public static class RunCharts
{
    private const int Width = 460;
    private const int Height = 220;
    private const int Left = 56;
    private const int Right = 12;
    private const int Top = 28;
    private const int Bottom = 30;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    /// <summary>The charts of a run's RecPO steps and validations; a chart with no points is left out.</summary>
    public static IReadOnlyList<Chart> FromMetrics(IReadOnlyList<RecPOStepRecord> steps, IReadOnlyList<ValidationRecord> validations)
    {
        ChartSeries Of(string name, Func<RecPOStepRecord, double> value) => new(name, [.. steps.Select(s => ((double)s.Step, value(s)))]);
        var charts = new List<Chart>
        {
            new("Mean training reward", [Of("reward", s => s.RewardMean)]),
            new("Validation Hit@10", [new ChartSeries("Hit@10", [.. validations.Select(v => ((double)v.Step, v.Hit[1]))])]),
            new("Losses", [Of("token loss", s => s.TokenLoss), Of("item loss", s => s.ItemLoss)]),
            new("KL and clip fraction", [Of("approx. KL", s => s.ApproxKl), Of("clip fraction", s => s.ClipFraction)]),
            new("Reasoning length (tokens per trajectory)", [Of("tokens", s => s.ReasoningTokens)]),
        };
        return [.. charts.Where(c => c.Series.Any(s => s.Points.Count > 0))];
    }

    /// <summary>
    /// Where a point lands in the SVG's pixel box: x from the left to the right margin over [xMin, xMax], y from the
    /// bottom margin up to the top over [yMin, yMax] (a flat range sits in the middle).
    /// </summary>
    public static (double X, double Y) Place(double x, double y, double xMin, double xMax, double yMin, double yMax)
    {
        var px = xMax > xMin ? Left + (x - xMin) / (xMax - xMin) * (Width - Left - Right) : Left + (Width - Left - Right) / 2.0;
        var py = yMax > yMin ? Height - Bottom - (y - yMin) / (yMax - yMin) * (Height - Top - Bottom) : Top + (Height - Top - Bottom) / 2.0;
        return (px, py);
    }

    /// <summary>The chart as an inline SVG element: axes with their ranges, one polyline (and dots) per series, a legend.</summary>
    public static string Svg(Chart chart)
    {
        var points = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToArray();
        var (xMin, xMax) = points.Length == 0 ? (0, 1) : (points.Min(p => p.X), points.Max(p => p.X));
        var (yMin, yMax) = points.Length == 0 ? (0, 1) : (points.Min(p => p.Y), points.Max(p => p.Y));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(chart.Title)}</title>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{WebUtility.HtmlEncode(chart.Title)}</text>");
        sb.Append(CultureInfo.InvariantCulture,
            $"<path d=\"M{Left} {Top} V{Height - Bottom} H{Width - Right}\" fill=\"none\" stroke=\"#444\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Top + 4}\" font-size=\"10\" text-anchor=\"end\">{yMax:G4}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Height - Bottom}\" font-size=\"10\" text-anchor=\"end\">{yMin:G4}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - Bottom + 14}\" font-size=\"10\">step {xMin:G6}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"end\">{xMax:G6}</text>");
        for (var i = 0; i < chart.Series.Count; i++)
        {
            var series = chart.Series[i];
            var colour = Colours[i % Colours.Length];
            var placed = series.Points.Where(p => double.IsFinite(p.Y)).Select(p => Place(p.X, p.Y, xMin, xMax, yMin, yMax)).ToArray();
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(' ', placed.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:F1},{p.Y:F1}")))}\"/>");
            foreach (var (x, y) in placed)
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"2\" fill=\"{colour}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 110}\" y=\"{16 + 12 * i}\" font-size=\"10\" fill=\"{colour}\">{WebUtility.HtmlEncode(series.Name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>A Markdown table of reasoning examples, the text on one line with its pipes escaped.</summary>
    public static string ExamplesMarkdown(IEnumerable<ReasoningExample> examples)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| sample | rank | reward | reasoning |");
        sb.AppendLine("|---:|---:|---:|---|");
        foreach (var e in examples)
        {
            var text = e.Reasoning.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {e.Sample} | {e.Rank} | {e.Reward:F4} | {(text.Length == 0 ? "(none)" : text)} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The HTML page of a run's report: the report's Markdown as preformatted text (its tables line up), then every
    /// chart, then the reasoning examples of each validation.
    /// </summary>
    public static string Html(string title, string reportMarkdown, IReadOnlyList<Chart> charts, IReadOnlyList<ValidationRecord>? validations = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title>");
        sb.AppendLine("<style>body{font-family:sans-serif;margin:2em;max-width:1000px}pre{font-size:12px;overflow-x:auto}svg{margin:0.5em;border:1px solid #ddd}</style></head><body>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<h1>{WebUtility.HtmlEncode(title)}</h1>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<pre>{WebUtility.HtmlEncode(reportMarkdown)}</pre>");
        sb.AppendLine(charts.Count == 0 ? "<p>No RecPO steps were recorded.</p>" : "<h2>RecPO steps</h2>");
        foreach (var chart in charts)
            sb.AppendLine(Svg(chart));
        foreach (var v in (validations ?? []).Where(v => v.Examples is { Count: > 0 }))
            sb.AppendLine(CultureInfo.InvariantCulture, $"<h3>Validation after RecPO step {v.Step}: greedy reasoning of the first samples</h3><pre>{WebUtility.HtmlEncode(ExamplesMarkdown(v.Examples!))}</pre>");
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }
}
