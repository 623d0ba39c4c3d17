using System.Diagnostics;
using Akka.Actor;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Actors;

/// <summary>The reward actor (DESIGN.md §2 step 4): fused rewards, advantages and relabel mask per group, then to the coordinator, which owns the step. Stateless.</summary>
internal sealed class RewardActor : JobActor
{
    public RewardActor(JobContext job, IActorRef coordinator) : base(job)
    {
        Receive<TrajectoryGroup>(group =>
        {
            var clock = Stopwatch.StartNew();
            var rewarded = GroupRewarder.Reward(group, Job.Options.RecPO);
            rewarded.RewardSeconds = clock.Elapsed.TotalSeconds;
            coordinator.Tell(rewarded, Self);
        });
    }
}
