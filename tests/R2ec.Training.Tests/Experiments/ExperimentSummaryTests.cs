using R2ec.Training.Evaluation;
using R2ec.Training.Experiments;

namespace R2ec.Training.Tests.Experiments;

public sealed class ExperimentSummaryTests
{
    private static RecPOStepRecord Step(long step, double reward, double tokens = 10) => new(step, reward, tokens, 0, 0, 0, 0);

    [Test]
    public void Aggregate_IsTheMeanAndSampleStandardDeviationPerMethodAndColumn()
    {
        var seed1 = new[] { MetricsRow.FromRanks("a", [1, 30]), MetricsRow.FromRanks("b", [30, 30]) };
        var seed2 = new[] { MetricsRow.FromRanks("a", [1, 1]), MetricsRow.FromRanks("b", [1, 30]) };
        var seed3 = new[] { MetricsRow.FromRanks("a", [30, 30]) };

        var rows = ExperimentSummary.Aggregate([seed1, seed2, seed3]);

        Assert.That(rows.Select(r => r.Method), Is.EqualTo(new[] { "a", "b" }), "in the order the methods first appear");
        // Hit@10 of a: 0.5, 1, 0 -> mean 0.5, sample sd 0.5; of b (two seeds): 0, 0.5 -> mean 0.25, sd sqrt(0.125).
        Assert.That(rows[0].Seeds, Is.EqualTo(3));
        Assert.That(rows[0].Mean[1], Is.EqualTo(0.5).Within(1e-12));
        Assert.That(rows[0].StandardDeviation[1], Is.EqualTo(0.5).Within(1e-12));
        Assert.That(rows[1].Seeds, Is.EqualTo(2));
        Assert.That(rows[1].Mean[1], Is.EqualTo(0.25).Within(1e-12));
        Assert.That(rows[1].StandardDeviation[1], Is.EqualTo(Math.Sqrt(0.125)).Within(1e-12));
        Assert.That(rows[0].Mean[3], Is.EqualTo((0.5 + 1 + 0) / 3).Within(1e-12), "NDCG@5 follows the Hit columns");
    }

    [Test]
    public void SecondHalf_PairsTheStepsAfterTheMiddle_AndGivesTheStandardErrorOfTheMeanDifference()
    {
        // Steps 1-3 differ wildly and must not count; steps 4-6 (the second half of 6) differ by 0.01, 0.03, 0.02.
        var recpo = new[] { Step(1, 0.9), Step(2, 0.9), Step(3, 0.9), Step(4, 0.21), Step(5, 0.23), Step(6, 0.22) };
        var control = new[] { Step(1, 0.1), Step(2, 0.1), Step(3, 0.1), Step(4, 0.20), Step(5, 0.20), Step(6, 0.20) };

        var p = ExperimentSummary.SecondHalf(7, recpo, control);

        Assert.That((p.Seed, p.FirstStep, p.Steps), Is.EqualTo((7, 4L, 3)));
        Assert.That(p.Difference, Is.EqualTo(0.02).Within(1e-12));
        Assert.That(p.StandardError, Is.EqualTo(0.01 / Math.Sqrt(3)).Within(1e-12));
        Assert.That(p.RecPO, Is.EqualTo(0.22).Within(1e-12));
        Assert.That(p.Control, Is.EqualTo(0.20).Within(1e-12));
        Assert.That(p.Z, Is.EqualTo(0.02 / (0.01 / Math.Sqrt(3))).Within(1e-9));
    }

    [Test]
    public void SecondHalf_RefusesRunsWithDifferentSteps()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ExperimentSummary.SecondHalf(1, [Step(1, 0), Step(2, 0), Step(3, 0), Step(4, 0)], [Step(1, 0), Step(2, 0), Step(3, 0)]));
        Assert.That(e!.Message, Does.Contain("seed 1").And.Contain("must be the same"));
        Assert.Throws<ArgumentException>(() => ExperimentSummary.SecondHalf(1, [Step(1, 0), Step(2, 0)], [Step(1, 0), Step(2, 0)]),
            "one step in the second half has no standard error");
    }

    [Test]
    public void LastValidation_PairsTheLastStepBothRunsValidatedWithRanks()
    {
        static ValidationRecord V(long step, int[]? ranks) => new(step, 4, [0, 0, 0], [0, 0, 0], Ranks: ranks);
        var recpo = new[] { V(10, [30, 30, 30, 30]), V(20, [1, 2, 30, 30]), V(30, [1, 1, 1, 1]) };
        var control = new[] { V(10, [1, 1, 1, 1]), V(20, [30, 2, 30, 30]), V(30, null) };

        var line = ExperimentSummary.LastValidation(recpo, control);

        Assert.That(line, Does.StartWith("valid after step 20: RecPO − control, paired over the same 4 users: Hit@10 +0.2500"),
            "step 30 has no control ranks, so step 20 is the last comparable one");
        Assert.That(ExperimentSummary.LastValidation(recpo, []), Is.Null);
    }

    [Test]
    public void ReasoningLength_IsTheMeanOverTheFirstAndLastQuarter()
    {
        var steps = Enumerable.Range(1, 8).Select(i => Step(i, 0, tokens: 20 - 2 * i)).ToArray();
        var (first, last) = ExperimentSummary.ReasoningLength(steps);
        Assert.That(first, Is.EqualTo((18 + 16) / 2.0));
        Assert.That(last, Is.EqualTo((6 + 4) / 2.0));
    }

    [Test]
    public void Markdown_ShowsEverySeedsPairedRewardAndTheControlRows()
    {
        var rows = new[] { MetricsRow.FromRanks("without reasoning", [1, 30, 4]), MetricsRow.FromRanks("R2ec (RecPO)", [1, 2, 4]) };
        var recpo = new[] { Step(1, 0.2), Step(2, 0.2), Step(3, 0.3), Step(4, 0.32) };
        var control = new[] { Step(1, 0.2), Step(2, 0.2), Step(3, 0.2), Step(4, 0.21) };
        var markdown = ExperimentSummary.Markdown([new SeedOutcome(1, rows, recpo, rows, control), new SeedOutcome(2, rows, recpo, rows, control)],
            "R2ec (RecPO)", ["without reasoning", "absent baseline"]);

        Assert.That(markdown, Does.Contain("| R2ec (RecPO) | 2 | "));
        Assert.That(markdown, Does.Contain("| R2ec (RecPO) [control] | 2 | "));
        Assert.That(markdown, Does.Contain("| 1 | R2ec (RecPO) − without reasoning, paired over the same 3 users: Hit@10 +0.3333").And.Contain("| 0.3100 | 0.2050 | +0.1050 ± 0.0050 (steps 3–4) | 21.00 |"));
    }
}

public sealed class RunMetricsTests
{
    [Test]
    public void RecPOSteps_ReadTheProtobufJsonOfEachStep_TheLastLineOfARepeatedStepWinning()
    {
        var path = Path.Combine(Path.GetTempPath(), $"r2ec-metrics-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllLines(path,
            [
                """{"loss":2.5,"stage":"rec-warmup","step":1}""",
                """{"stage":"recpo","step":1,"metrics":{"rewardMean":0.25,"generatedTokens":"80","trajectories":8,"tokenLoss":0.1,"clipFraction":0.5}}""",
                """{"stage":"recpo","step":2,"metrics":{"rewardMean":0.5,"generatedTokens":"40","trajectories":8}}""",
                """{"stage":"valid","step":2,"users":64,"hit":[0.1,0.2,0.3],"ndcg":[0.05,0.06,0.07],"examples":[{"Sample":0,"Rank":3,"Reward":0.5,"Reasoning":"likes jazz"}]}""",
                "",
                """{"stage":"recpo","step":2,"metrics":{"rewardMean":0.75,"generatedTokens":"16","trajectories":8,"itemLoss":1.5,"approxKl":0.01}}""",
            ]);

            var steps = RunMetrics.RecPOSteps(path);
            Assert.That(steps, Has.Count.EqualTo(2));
            Assert.That(steps[0], Is.EqualTo(new RecPOStepRecord(1, 0.25, 10, 0.1, 0, 0, 0.5)));
            Assert.That(steps[1], Is.EqualTo(new RecPOStepRecord(2, 0.75, 2, 0, 1.5, 0.01, 0)), "a resumed run's repeat of step 2 replaces the first");
            var valid = RunMetrics.Validations(path).Single();
            Assert.That((valid.Step, valid.Users, valid.Hit[1], valid.Ndcg[2]), Is.EqualTo((2L, 64, 0.2, 0.07)));
            Assert.That(valid.Examples, Is.EqualTo(new[] { new ReasoningExample(0, 3, 0.5, "likes jazz") }));
            Assert.That(valid.Ranks, Is.Null, "a line without ranks");

            File.AppendAllText(path, "{not json\n");
            var e = Assert.Throws<FormatException>(() => RunMetrics.RecPOSteps(path));
            Assert.That(e!.Message, Does.Contain(path + ":7"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
