using System.Text;
using R2ec.Shared;
using R2ec.Training.Experiments;
using R2ec.Training.Reporting;

namespace R2ec.Training.Jobs;

/// <summary>
/// The directory of one run, <c>runs/&lt;name&gt;/</c>: <c>config.json</c> (the effective configuration),
/// <c>events.jsonl</c> (the Serilog event log), <c>metrics.jsonl</c> (one JSON object per step and evaluation),
/// <c>checkpoints/</c>, <c>report.md</c> and <c>report.html</c>.
/// </summary>
public sealed class RunDirectory
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly object _gate = new();

    /// <summary>Opens (and creates) the run directory at <paramref name="path"/>.</summary>
    public RunDirectory(string path)
    {
        Root = Path.GetFullPath(path);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Checkpoints);
    }

    /// <summary>The directory.</summary>
    public string Root { get; }

    /// <summary>The effective configuration the run was started with.</summary>
    public string Config => Path.Combine(Root, "config.json");

    /// <summary>The event log.</summary>
    public string Events => Path.Combine(Root, "events.jsonl");

    /// <summary>Metrics, one JSON object per line.</summary>
    public string Metrics => Path.Combine(Root, "metrics.jsonl");

    /// <summary>The checkpoint store's directory.</summary>
    public string Checkpoints => Path.Combine(Root, "checkpoints");

    /// <summary>The final report.</summary>
    public string Report => Path.Combine(Root, "report.md");

    /// <summary>
    /// A fresh run directory under <paramref name="outputDirectory"/>: <paramref name="name"/>, or <c>name-2</c>,
    /// <c>name-3</c>, … when that one is taken, so a second run never mixes into the first.
    /// </summary>
    public static RunDirectory CreateFresh(string outputDirectory, string name) => new(FreshPath(outputDirectory, name));

    /// <summary><paramref name="name"/> under <paramref name="outputDirectory"/>, or <c>name-2</c>, <c>name-3</c>, … when that one is taken; not created.</summary>
    public static string FreshPath(string outputDirectory, string name)
    {
        var path = Path.Combine(outputDirectory, name);
        for (var n = 2; Directory.Exists(path); n++)
            path = Path.Combine(outputDirectory, $"{name}-{n}");
        return path;
    }

    /// <summary>Appends one line to <c>metrics.jsonl</c> (flushed, so a killed run keeps its lines).</summary>
    public void AppendMetrics(string jsonLine)
    {
        lock (_gate)
            File.AppendAllText(Metrics, jsonLine + "\n", Utf8);
    }

    /// <summary>The final report as an HTML page with the charts of the RecPO steps.</summary>
    public string ReportHtml => Path.Combine(Root, "report.html");

    /// <summary>
    /// Writes <c>report.md</c> and, beside it, <c>report.html</c>: the same text with charts of the RecPO steps drawn from
    /// <c>metrics.jsonl</c> (reward, validation Hit@10, losses, KL, clip fraction, reasoning length) and each validation's reasoning examples; both atomically.
    /// </summary>
    public void WriteReport(string markdown)
    {
        AtomicFile.WriteAllText(Report, markdown);
        var validations = RunMetrics.Validations(Metrics);
        var charts = RunCharts.FromMetrics(RunMetrics.RecPOSteps(Metrics), validations);
        AtomicFile.WriteAllText(ReportHtml, RunCharts.Html($"R2ec run {Path.GetFileName(Root)}", markdown, charts, validations));
    }
}
