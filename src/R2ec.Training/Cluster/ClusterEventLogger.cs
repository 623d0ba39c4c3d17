using Akka.Actor;
using Akka.Cluster;
using Serilog;
using AkkaCluster = Akka.Cluster.Cluster;

namespace R2ec.Training.Cluster;

/// <summary>
/// Writes every membership and reachability change this member sees to the event log as structured properties
/// (<c>ClusterEvent</c>: MemberUp, UnreachableMember, MemberRemoved, …; <c>Member</c>, <c>MemberRoles</c>,
/// <c>MemberStatus</c>, <c>Observer</c>), so operators and tests filter on fields rather than on Akka's text.
/// </summary>
internal sealed class ClusterEventLogger : ReceiveActor
{
    /// <summary>The property that names the event (MemberUp, UnreachableMember, …): present on every event this actor writes.</summary>
    public const string EventProperty = "ClusterEvent";

    private readonly ILogger _log;

    public ClusterEventLogger(ILogger log)
    {
        _log = log;
        Receive<ClusterEvent.IMemberEvent>(e => Write(e.GetType().Name, e.Member));
        Receive<ClusterEvent.UnreachableMember>(e => Write(nameof(ClusterEvent.UnreachableMember), e.Member));
        Receive<ClusterEvent.ReachableMember>(e => Write(nameof(ClusterEvent.ReachableMember), e.Member));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public static Props Props(ILogger log) => Akka.Actor.Props.Create(() => new ClusterEventLogger(log));

    protected override void PreStart() => AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);

    private void Write(string kind, Member member) =>
        _log.Information("Cluster event {ClusterEvent}: {Member} ({MemberRoles}) is {MemberStatus}, seen by {Observer}",
            kind, member.Address.ToString(), string.Join(",", member.Roles.OrderBy(r => r, StringComparer.Ordinal)), member.Status.ToString(),
            AkkaCluster.Get(Context.System).SelfAddress.ToString());
}
