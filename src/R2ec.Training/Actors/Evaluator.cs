using System.Diagnostics;
using Akka.Actor;
using R2ec.Data.Datasets;
using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Actors;

/// <summary>
/// The evaluator (DESIGN.md §2 step 7): full-ranking evaluation of a split with its own policy replica, with greedy
/// reasoning or without it, history masked. Answers the sender of <see cref="EvaluateRequest"/>.
/// </summary>
internal sealed class Evaluator : ReplicaActor
{
    public Evaluator(JobContext job) : base(job)
    {
        ReceiveAsync<EvaluateRequest>(async request =>
        {
            var replyTo = Sender;
            replyTo.Tell(await EvaluateAsync(request), Self);
        });
    }

    private async Task<EvaluationResult> EvaluateAsync(EvaluateRequest request)
    {
        var clock = Stopwatch.StartNew();
        var split = request.Split switch
        {
            "test" => EvalSplit.Test,
            "valid" => EvalSplit.Valid,
            _ => throw new ArgumentException($"unknown evaluation split '{request.Split}'"),
        };
        var samples = Job.Data.Split(split);
        var count = request.MaxUsers == 0 ? samples.Count : Math.Min(samples.Count, (int)request.MaxUsers);
        var replica = await ReplicaAsync();
        var policy = await replica.AtAsync(request.WeightsVersion, request.Weights);
        var items = await replica.ItemsAsync(request.ItemTableVersion, request.ItemTable);
        var scores = new float[Job.Data.ItemCount];
        var result = new EvaluationResult();
        for (var i = 0; i < count; i++)
        {
            policy.Score(samples[i], request.Reasoning, (int)request.MaxNewTokens, items, scores);
            result.Ranks.Add((uint)SampleRanking.Rank(scores, samples[i]));
            if (request.Reasoning && i < request.Examples)
                result.Examples.Add(Example(policy, samples[i], i, (int)result.Ranks[i], scores, (int)request.MaxNewTokens));
        }
        result.ComputeSeconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    private EvaluationResult.Types.Example Example(IPolicyCompute policy, Sample sample, int index, int rank, float[] scores, int maxNewTokens) => new()
    {
        Sample = (uint)index, Rank = (uint)rank, Reasoning = policy.GreedyReasoning(sample, maxNewTokens) ?? "",
        Reward = Rewards.Fused(Rewards.Ranking(rank, Job.Options.RecPO.NdcgCutoff), SampleRanking.TargetProbability(scores, sample), Job.Options.RecPO.Beta),
    };
}
