using R2ec.Actors.Runtime;
using R2ec.Actors.Supervision;
using R2ec.Training.Actors;
using R2ec.Training.Configuration;

namespace R2ec.Training.Jobs;

/// <summary>
/// The actor layout of a job: which actors a node starts, under which names and supervision. The job driver starts
/// the learner's node's actors with <see cref="Spawn"/>; a cluster node that holds only the reward or rollout role
/// starts those with <see cref="SpawnReward"/> and <see cref="SpawnWorkers"/>.
/// </summary>
/// <param name="Coordinator">Owns each RecPO step.</param>
/// <param name="Learner">Owns the policy and its version.</param>
/// <param name="ItemTableBuilder">Encodes the item table of a policy version.</param>
/// <param name="Evaluator">Ranks a split's targets.</param>
/// <param name="Workers">This node's rollout workers (none when the node does not hold the rollout role).</param>
internal sealed record JobActors(IActorRef Coordinator, IActorRef Learner, IActorRef ItemTableBuilder, IActorRef Evaluator, IReadOnlyList<IActorRef> Workers)
{
    /// <summary>Starts the driver's actors on <paramref name="system"/>, and the reward and rollout roles where <paramref name="placement"/> puts them here.</summary>
    public static JobActors Spawn(ActorSystem system, JobContext job, JobPlacement placement)
    {
        // Actors whose state is the job's state stop on failure (the job resumes from a checkpoint); stateless ones restart.
        var stop = new SupervisionOptions { Decider = static _ => SupervisionDirective.Stop };
        var restart = Restart(job.Options);
        var learner = system.Spawn("learner", new Props(() => new Learner(job)) { Supervision = stop });
        var coordinator = system.Spawn("coordinator", new Props(() => new Coordinator(job)) { Supervision = stop });
        if (placement.HostsReward)
            SpawnReward(system, job);
        var builder = system.Spawn("item-table-builder", new Props(() => new ItemTableBuilder(job)) { Supervision = restart });
        var evaluator = system.Spawn("evaluator", new Props(() => new Evaluator(job)) { Supervision = restart });
        var workers = placement.HostsRollout ? SpawnWorkers(system, job) : [];
        return new JobActors(coordinator, learner, builder, evaluator, workers);
    }

    /// <summary>Starts the reward actor at <c>/user/reward</c> (stateless, so it restarts on failure).</summary>
    public static IActorRef SpawnReward(ActorSystem system, JobContext job) =>
        system.Spawn("reward", new Props(() => new RewardActor(job)) { Supervision = Restart(job.Options) });

    /// <summary>Starts <c>Rollout:Workers</c> rollout workers as members of the rollout pool.</summary>
    public static IReadOnlyList<IActorRef> SpawnWorkers(ActorSystem system, JobContext job)
    {
        var workers = new List<IActorRef>();
        for (var i = 0; i < job.Options.Rollout.Workers; i++)
        {
            var worker = system.Spawn($"rollout-{i}", new Props(() => new RolloutWorker(job)) { Supervision = Restart(job.Options) });
            system.JoinPool(JobContext.RolloutPool, worker);
            workers.Add(worker);
        }
        return workers;
    }

    private static SupervisionOptions Restart(JobOptions options)
    {
        var backoff = TimeSpan.FromSeconds(options.Faults.RestartBackoffSeconds);
        return new SupervisionOptions { MinBackoff = backoff, MaxBackoff = backoff * 10 };
    }
}
