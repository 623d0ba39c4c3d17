using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Pattern;
using R2ec.Training.Actors;
using R2ec.Training.Cluster;
using R2ec.Training.Configuration;

namespace R2ec.Training.Jobs;

/// <summary>
/// The actor layout of a job: which actors a node starts, under which names, dispatchers and supervision. The job's
/// stateful actors (coordinator, learner) are top-level actors that the guardian stops on failure (the job resumes
/// from a checkpoint, it does not continue with lost state); each rollout worker runs under a backoff supervisor at
/// <c>/user/rollout-i</c> that restarts it after 3 s doubling to 30 s with a random factor of 0.2, up to a limit.
/// </summary>
/// <param name="Coordinator">Owns each RecPO step.</param>
/// <param name="Learner">Owns the policy and its version.</param>
/// <param name="ItemTableBuilder">Encodes the item table of a policy version.</param>
/// <param name="Evaluator">Ranks a split's targets.</param>
/// <param name="Workers">This node's rollout workers' backoff supervisors (none when the node does not hold the rollout role).</param>
internal sealed record JobActors(IActorRef Coordinator, IActorRef Learner, IActorRef ItemTableBuilder, IActorRef Evaluator, IReadOnlyList<IActorRef> Workers)
{
    /// <summary>
    /// Asks <paramref name="target"/> and waits for its answer, unless one of the job's stateful actors (coordinator,
    /// learner, item-table builder, evaluator) stops first: the guardian stops them on failure rather than restart
    /// them with lost state, and the job then fails at once, naming the actor, instead of waiting out the ask's timeout.
    /// </summary>
    /// <exception cref="ActorStoppedException">One of those actors stopped before the answer came.</exception>
    public async Task<T> AskAsync<T>(IActorRef target, object message, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource();
        IActorRef[] stateful = [Coordinator, Learner, ItemTableBuilder, Evaluator];
        var watches = stateful.Select(a => (Actor: a, Stopped: a.WatchAsync(cancel.Token))).ToList();
        var ask = target.Ask<T>(message, timeout);
        var first = await Task.WhenAny(watches.Select(w => (Task)w.Stopped).Prepend(ask));
        (IActorRef Actor, Task<bool> Stopped)? stopped = first == ask ? null : watches.First(w => w.Stopped == first);
        await cancel.CancelAsync();
        if (stopped is null || !await stopped.Value.Stopped)
            return await ask;
        throw new ActorStoppedException($"{stopped.Value.Actor.Path} stopped (it failed; its error is in the event log) while the job waited for " +
            $"{target.Path} to answer {message.GetType().Name}");
    }

    /// <summary>Restarts a worker may have before its backoff supervisor gives up and stops.</summary>
    public const int MaxWorkerRestarts = 10;

    /// <summary>Starts the driver's actors on <paramref name="system"/>, and the reward and rollout roles where <paramref name="placement"/> puts them here.</summary>
    public static JobActors Spawn(ActorSystem system, JobContext job, JobPlacement placement)
    {
        var (builder, learner, evaluator) = SpawnCompute(system, job);
        var coordinator = system.ActorOf(Props.Create(() => new Coordinator(job, learner)), "coordinator");
        var workers = new List<IActorRef>();
        if (placement.HostsReward)
        {
            var reward = system.ActorOf(Props.Create(() => new RewardActor(job, coordinator)), "reward");
            if (placement.HostsRollout)
                workers.AddRange(SpawnWorkers(system, job, coordinator, reward));
        }
        return new JobActors(coordinator, learner, builder, evaluator, workers);
    }

    /// <summary>Name of the coordinator's cluster singleton manager (<c>/user/coordinator</c>) on the learner role.</summary>
    public const string CoordinatorSingleton = "coordinator";

    /// <summary>Name of the reward actor's cluster singleton manager (<c>/user/reward</c>) on the reward role.</summary>
    public const string RewardSingleton = "reward";

    /// <summary>
    /// The learner node's actors on an Akka.Cluster system: the learner, item-table builder and evaluator as local
    /// actors beside the driver, the coordinator as the cluster singleton of the learner role (under its supervisor, which stops it on failure; so exactly one owns each
    /// step, and rollout nodes find it through a proxy however the cluster changes), and the reward actor and rollout
    /// workers where <paramref name="placement"/> puts them on this node. The driver talks to the coordinator through
    /// its proxy, which holds messages until the singleton runs (the node is Up once <c>min-nr-of-members</c> is met).
    /// </summary>
    public static JobActors SpawnOnCluster(ActorSystem system, JobContext job, JobPlacement placement)
    {
        var (builder, learner, evaluator) = SpawnCompute(system, job);
        // The job's log (events.jsonl) gets the cluster's membership events too, as the node's own log does.
        system.ActorOf(ClusterEventLogger.Props(job.Log), "job-cluster-events");
        // The singleton is the coordinator's supervisor, which stops a failed coordinator and fails the step at once.
        var coordinatorProps = Props.Create(() => new Coordinator(job, learner));
        system.ActorOf(Singleton(system, CoordinatorSupervisor.Props(coordinatorProps, job.Log), ClusterBootstrap.LearnerRole), CoordinatorSingleton);
        var coordinator = Proxy(system, CoordinatorSingleton, ClusterBootstrap.LearnerRole);
        var workers = SpawnClusterRoles(system, job, placement.HostsReward, placement.HostsRollout, coordinator);
        return new JobActors(coordinator, learner, builder, evaluator, workers);
    }

    /// <summary>
    /// A node's reward and rollout roles on an Akka.Cluster system: the reward actor as the singleton of the reward role,
    /// rollout workers pulling work from the coordinator's singleton through its proxy and sending groups to the reward
    /// singleton through its proxy. Returns the workers' backoff supervisors.
    /// </summary>
    public static IReadOnlyList<IActorRef> SpawnClusterRoles(ActorSystem system, JobContext job, bool reward, bool rollout, IActorRef? coordinator = null)
    {
        coordinator ??= Proxy(system, CoordinatorSingleton, ClusterBootstrap.LearnerRole);
        if (reward)
            system.ActorOf(Singleton(system, Props.Create(() => new RewardActor(job, coordinator)), ClusterBootstrap.RewardRole), RewardSingleton);
        return rollout ? SpawnWorkers(system, job, coordinator, Proxy(system, RewardSingleton, ClusterBootstrap.RewardRole)) : [];
    }

    /// <summary>The driver's compute-heavy actors, on the compute dispatcher: item-table builder, learner and evaluator.</summary>
    private static (IActorRef Builder, IActorRef Learner, IActorRef Evaluator) SpawnCompute(ActorSystem system, JobContext job)
    {
        var builder = system.ActorOf(Props.Create(() => new ItemTableBuilder(job)).WithDispatcher(JobContext.ComputeDispatcher), "item-table-builder");
        var learner = system.ActorOf(Props.Create(() => new Learner(job, builder)).WithDispatcher(JobContext.ComputeDispatcher), "learner");
        var evaluator = system.ActorOf(Props.Create(() => new Evaluator(job)).WithDispatcher(JobContext.ComputeDispatcher), "evaluator");
        return (builder, learner, evaluator);
    }

    private static Props Singleton(ActorSystem system, Props singleton, string role) =>
        ClusterSingletonManager.Props(singleton, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(role));

    private static IActorRef Proxy(ActorSystem system, string singleton, string role) =>
        system.ActorOf(ClusterSingletonProxy.Props($"/user/{singleton}", ClusterSingletonProxySettings.Create(system).WithRole(role)), $"{singleton}-proxy");

    /// <summary>Starts <c>Rollout:Workers</c> rollout workers, each under its backoff supervisor, pulling work from <paramref name="coordinator"/>.</summary>
    public static IReadOnlyList<IActorRef> SpawnWorkers(IActorRefFactory system, JobContext job, IActorRef coordinator, IActorRef reward)
    {
        var workers = new List<IActorRef>();
        for (var i = 0; i < job.Options.Rollout.Workers; i++)
        {
            var worker = Props.Create(() => new RolloutWorker(job, coordinator, reward)).WithDispatcher(JobContext.ComputeDispatcher);
            workers.Add(system.ActorOf(BackoffSupervisor.Props(WorkerBackoff(job.Options, worker)), $"rollout-{i}"));
        }
        return workers;
    }

    /// <summary>Restart on failure after <c>Faults:RestartBackoffSeconds</c> (3 s by default) doubling to ten times that, random factor 0.2.</summary>
    internal static BackoffOptions WorkerBackoff(JobOptions options, Props worker)
    {
        var backoff = TimeSpan.FromSeconds(options.Faults.RestartBackoffSeconds);
        return Backoff.OnFailure(worker, "worker", backoff, backoff * 10, 0.2, MaxWorkerRestarts);
    }
}

/// <summary>A stateful actor of the job stopped, so the job cannot go on; resume it from its last checkpoint.</summary>
public sealed class ActorStoppedException(string message) : Exception(message);
