using System.Text.Json;

namespace R2ec.Training.Experiments;

/// <summary>One RecPO step as <c>metrics.jsonl</c> records it (the values the experiment summary and the report's charts use).</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="RewardMean">Mean training reward over the step's trajectories.</param>
/// <param name="ReasoningTokens">Mean generated tokens per trajectory (the reasoning length; 0 when none were counted).</param>
/// <param name="TokenLoss">Token (PPO) loss.</param>
/// <param name="ItemLoss">Item (recommendation head) loss.</param>
/// <param name="ApproxKl">Approximate KL between the sampling and the updated policy.</param>
/// <param name="ClipFraction">Fraction of tokens whose ratio was clipped.</param>
public sealed record RecPOStepRecord(long Step, double RewardMean, double ReasoningTokens, double TokenLoss, double ItemLoss, double ApproxKl, double ClipFraction);

/// <summary>One evaluated sample with greedy reasoning, for the report: what the policy wrote and what it earned.</summary>
/// <param name="Sample">Index of the sample in its split.</param>
/// <param name="Rank">The target's 1-based rank, history masked.</param>
/// <param name="Reward">The RecPO reward of that rank and the target's probability.</param>
/// <param name="Reasoning">The decoded greedy reasoning.</param>
public sealed record ReasoningExample(int Sample, int Rank, double Reward, string Reasoning);

/// <summary>One periodic validation during RecPO as <c>metrics.jsonl</c> records it.</summary>
/// <param name="Step">The RecPO step it followed.</param>
/// <param name="Users">Validation samples ranked.</param>
/// <param name="Hit">Hit@5, Hit@10, Hit@20.</param>
/// <param name="Ndcg">NDCG@5, NDCG@10, NDCG@20.</param>
/// <param name="Examples">The first few samples' reasoning (empty when none were recorded).</param>
/// <param name="Ranks">The validation samples' 1-based ranks, when recorded (for paired comparisons).</param>
public sealed record ValidationRecord(long Step, int Users, double[] Hit, double[] Ndcg, IReadOnlyList<ReasoningExample>? Examples = null, int[]? Ranks = null);

/// <summary>
/// Reads a run's <c>metrics.jsonl</c>. A resumed run repeats the steps after its checkpoint, so the last line of a step wins:
/// it is the one the finished run's weights descend from.
/// </summary>
public static class RunMetrics
{
    /// <summary>The RecPO steps in step order.</summary>
    /// <exception cref="FormatException">A line is not valid JSON (names the file and line).</exception>
    public static IReadOnlyList<RecPOStepRecord> RecPOSteps(string metricsPath)
    {
        var steps = new SortedDictionary<long, RecPOStepRecord>();
        foreach (var (_, root) in Lines(metricsPath))
        {
            if (Stage(root) != "recpo" || !root.TryGetProperty("metrics", out var m))
                continue;
            var step = root.GetProperty("step").GetInt64();
            var trajectories = Number(m, "trajectories");
            var tokens = Number(m, "generatedTokens");
            steps[step] = new RecPOStepRecord(step, Number(m, "rewardMean"), trajectories > 0 ? tokens / trajectories : 0,
                Number(m, "tokenLoss"), Number(m, "itemLoss"), Number(m, "approxKl"), Number(m, "clipFraction"));
        }
        return [.. steps.Values];
    }

    /// <summary>The periodic validations in step order.</summary>
    /// <exception cref="FormatException">A line is not valid JSON (names the file and line).</exception>
    public static IReadOnlyList<ValidationRecord> Validations(string metricsPath)
    {
        var rows = new SortedDictionary<long, ValidationRecord>();
        foreach (var (_, root) in Lines(metricsPath))
        {
            if (Stage(root) != "valid")
                continue;
            var step = root.GetProperty("step").GetInt64();
            var examples = root.TryGetProperty("examples", out var list)
                ? list.EnumerateArray().Select(e => new ReasoningExample(e.GetProperty("Sample").GetInt32(), e.GetProperty("Rank").GetInt32(),
                    e.GetProperty("Reward").GetDouble(), e.GetProperty("Reasoning").GetString() ?? "")).ToList()
                : [];
            rows[step] = new ValidationRecord(step, root.GetProperty("users").GetInt32(),
                [.. root.GetProperty("hit").EnumerateArray().Select(e => e.GetDouble())],
                [.. root.GetProperty("ndcg").EnumerateArray().Select(e => e.GetDouble())], examples,
                root.TryGetProperty("ranks", out var ranks) ? [.. ranks.EnumerateArray().Select(e => e.GetInt32())] : null);
        }
        return [.. rows.Values];
    }

    /// <summary>
    /// Learner compute seconds of the LM and recommendation warm-ups (the last line of each step wins), the budget the
    /// report sets the SASRec baseline's training beside.
    /// </summary>
    /// <exception cref="FormatException">A line is not valid JSON (names the file and line).</exception>
    public static double WarmupComputeSeconds(string metricsPath)
    {
        var steps = new Dictionary<(string, long), double>();
        foreach (var (_, root) in Lines(metricsPath))
        {
            if (Stage(root) is not ("lmwarmup" or "recwarmup") || !root.TryGetProperty("computeSeconds", out var seconds))
                continue;
            steps[(Stage(root)!, root.GetProperty("step").GetInt64())] = seconds.GetDouble();
        }
        return steps.Values.Sum();
    }

    private static IEnumerable<(int Line, JsonElement Root)> Lines(string path)
    {
        if (!File.Exists(path))
            yield break;
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{number}: not a JSON object: {e.Message}", e);
            }
            yield return (number, root);
        }
    }

    private static string? Stage(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("stage", out var s) ? s.GetString() : null;

    // Protobuf's JSON leaves out fields at their default (0), and writes 64-bit integers as strings.
    private static double Number(JsonElement m, string name) =>
        !m.TryGetProperty(name, out var v) ? 0
        : v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
        : v.GetDouble();
}
