using System.Diagnostics;
using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Actors;

/// <summary>The reward actor (DESIGN.md §2 step 4): fused rewards, advantages and relabel mask per group, then back to the coordinator, which owns the step. Stateless.</summary>
internal sealed class RewardActor(JobContext job) : Actor
{
    protected override async Task ReceiveAsync(IMessage message)
    {
        if (message is not TrajectoryGroup group)
            return;
        var clock = Stopwatch.StartNew();
        var rewarded = GroupRewarder.Reward(group, job.Options.RecPO);
        rewarded.RewardSeconds = clock.Elapsed.TotalSeconds;
        await Context.System.Resolve(job.Coordinator).TellAsync(rewarded, Context.Self);
    }
}
