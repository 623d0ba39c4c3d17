using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// Where <see cref="WeightsPublished"/> goes (DESIGN.md §2 step 5-6): on an Akka.Cluster node through distributed
/// pub-sub, so every node's rollout workers hear of a new version; in one process through the actor system's event
/// stream (distributed pub-sub needs the cluster provider). The message names the blob only; workers fetch the bytes
/// from the data plane and check its digest, and a worker that misses it still loads the version its next request names.
/// </summary>
internal static class WeightsBroadcast
{
    public static void Publish(IActorContext context, JobContext job, WeightsPublished published)
    {
        if (job.OnCluster)
            DistributedPubSub.Get(context.System).Mediator.Tell(new Publish(JobContext.WeightsTopic, published));
        else
            context.System.EventStream.Publish(published);
    }

    /// <summary>Subscribes <paramref name="self"/>; on a cluster the mediator answers with a <see cref="SubscribeAck"/> and drops the subscription when the actor stops.</summary>
    public static void Subscribe(IActorContext context, JobContext job, IActorRef self)
    {
        if (job.OnCluster)
            DistributedPubSub.Get(context.System).Mediator.Tell(new Subscribe(JobContext.WeightsTopic, self), self);
        else
            context.System.EventStream.Subscribe(self, typeof(WeightsPublished));
    }

    public static void Unsubscribe(IActorContext context, JobContext job, IActorRef self)
    {
        if (!job.OnCluster)
            context.System.EventStream.Unsubscribe(self);
    }
}
