using System.Text.Json;
using R2ec.Cli.Commands;
using R2ec.Training.Experiments;

namespace R2ec.Cli.Tests.Commands;

[NonParallelizable] // the CLI installs the process-wide Serilog logger
public sealed class ExperimentCommandTests
{
    [Test]
    public void Experiment_RunsEverySeedAndAControlFromTheSameWarmUp_AndAggregatesThem()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-experiment-");
        try
        {
            string[] sets = [.. FailureMatrixTests.Tiny, "Stages:RecPOSteps=4", $"Run:OutputDirectory={dir.FullName}"];
            var output = new StringWriter();
            var error = new StringWriter();
            var code = CliApp.Run(["experiment", "--seeds", "2", "--control", .. sets.SelectMany(s => new[] { "--set", s }), "--log-format", "json"], output, error);

            Assert.That(code, Is.Zero, error.ToString());
            var root = Path.Combine(dir.FullName, "experiment");
            var markdown = File.ReadAllText(Path.Combine(root, "experiment.md"));
            Assert.That(output.ToString(), Does.Contain(markdown));
            Assert.That(markdown, Does.Contain("| R2ec (RecPO) | 2 | ").And.Contain("| R2ec (RecPO) [control] | 2 | ").And.Contain("| SASRec | 2 | ")
                .And.Contain("R2ec (RecPO) − SASRec, paired over the same"));
            Assert.That(markdown, Does.Match(@"\| 1 \| R2ec \(RecPO\) − without reasoning.*; R2ec \(RecPO\) − reasoning without RecPO.*\(steps 3–4\)")
                .And.Match(@"\| 2 \| R2ec \(RecPO\) − without reasoning.*\(steps 3–4\)"));

            foreach (var seed in new[] { 1, 2 })
            {
                var run = Path.Combine(root, $"seed-{seed}");
                var control = run + "-control";
                using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(control, "config.json")));
                Assert.That(config.RootElement.GetProperty("Learner").GetProperty("LearningRate").GetDouble(), Is.EqualTo(ExperimentCommand.ControlLearningRate));
                Assert.That(config.RootElement.GetProperty("Run").GetProperty("Seed").GetUInt64(), Is.EqualTo((ulong)seed));
                Assert.That(RunMetrics.RecPOSteps(Path.Combine(control, "metrics.jsonl")).Select(s => s.Step),
                    Is.EqualTo(RunMetrics.RecPOSteps(Path.Combine(run, "metrics.jsonl")).Select(s => s.Step)));
                // Both continue from one warm-up, and the control's weights never move: its RecPO weights rank every
                // test user exactly where the warm-up weights did.
                var rows = FinalRanks(run);
                var controlRows = FinalRanks(control);
                Assert.That(controlRows["without reasoning"], Is.EqualTo(rows["without reasoning"]), $"seed {seed}: one warm-up");
                Assert.That(controlRows["SASRec"], Is.EqualTo(rows["SASRec"]), $"seed {seed}: SASRec is a function of the seed alone");
                Assert.That(controlRows["RecPO weights without reasoning"], Is.EqualTo(controlRows["without reasoning"]), $"seed {seed}: the control does not learn");
                // The warm-up weights with greedy reasoning, evaluated before RecPO, are what the unmoved control reasons to at the end.
                Assert.That(controlRows["R2ec (RecPO)"], Is.EqualTo(rows["reasoning without RecPO"]), $"seed {seed}: reasoning without RecPO");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Experiment_RefusesFewerThanOneSeed()
    {
        var error = new StringWriter();
        var code = CliApp.Run(["experiment", "--seeds", "0", "--log-format", "json"], new StringWriter(), error);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("--seeds must be at least 1"));
    }

    private static Dictionary<string, int[]> FinalRanks(string run)
    {
        var final = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Last(e => e.GetProperty("stage").GetString() == "final");
        return final.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("Method").GetString()!,
            r => r.GetProperty("Ranks").EnumerateArray().Select(v => v.GetInt32()).ToArray());
    }
}
