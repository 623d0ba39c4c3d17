using R2ec.Actors.Membership;

namespace R2ec.Cluster.Tests.Membership;

/// <summary>The membership state machine under a hand-moved clock: no waiting, every deadline exact.</summary>
public sealed class MembershipTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly MembershipOptions Options = new()
    {
        SuspectAfter = TimeSpan.FromSeconds(5),
        RemoveAfter = TimeSpan.FromSeconds(20),
        MinimumMembers = new Dictionary<string, int> { ["rollout"] = 2, ["learner"] = 1 },
    };

    private static MemberHeartbeat Beat(string node, string incarnation = "i1", string role = "rollout", bool leaving = false) =>
        new() { Node = node, Incarnation = incarnation, Role = role, Capacity = 4, Leaving = leaving };

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    private static string[] Kinds(IEnumerable<MembershipEvent> events) => events.Select(e => $"{e.Kind} {e.Member.Node}").ToArray();

    [Test]
    public void A_first_heartbeat_makes_a_member_up_with_its_role_and_capacity()
    {
        var tracker = new MembershipTracker(Options);
        var events = tracker.OnHeartbeat(Beat("w1"), At(0));

        Assert.That(Kinds(events), Is.EqualTo(new[] { "MemberUp w1" }));
        Assert.That(tracker.Members.Single(), Is.EqualTo(new Member("w1", "i1", "rollout", 4, MemberStatus.Up, At(0))));
        Assert.That(tracker.OnHeartbeat(Beat("w1"), At(1)), Is.Empty, "a repeat heartbeat changes nothing");
    }

    [Test]
    public void A_silent_member_turns_suspect_at_its_deadline_then_is_removed()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1"), At(0));

        Assert.That(tracker.Tick(At(5)), Is.Empty, "exactly at the deadline it is still up");
        Assert.That(Kinds(tracker.Tick(At(5.1))), Is.EqualTo(new[] { "MemberUnreachable w1" }));
        Assert.That(tracker.Members.Single().Status, Is.EqualTo(MemberStatus.Suspect));
        Assert.That(tracker.Tick(At(10)), Is.Empty, "unreachable is reported once");
        var removed = tracker.Tick(At(25.1));
        Assert.That(Kinds(removed), Is.EqualTo(new[] { "MemberRemoved w1" }));
        Assert.That(removed[0].Member.Status, Is.EqualTo(MemberStatus.Down));
        Assert.That(tracker.Members, Is.Empty);
    }

    [Test]
    public void A_suspect_member_whose_heartbeat_returns_is_reachable_again()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1"), At(0));
        tracker.Tick(At(6));

        var events = tracker.OnHeartbeat(Beat("w1"), At(7));

        Assert.That(Kinds(events), Is.EqualTo(new[] { "MemberReachable w1" }));
        Assert.That(tracker.Members.Single().Status, Is.EqualTo(MemberStatus.Up));
        Assert.That(tracker.Tick(At(11)), Is.Empty, "the deadline runs from the new heartbeat");
    }

    [Test]
    public void A_node_that_comes_back_with_a_new_incarnation_is_a_new_member()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1", "old"), At(0));

        var events = tracker.OnHeartbeat(Beat("w1", "new"), At(2));

        Assert.That(Kinds(events), Is.EqualTo(new[] { "MemberRemoved w1", "MemberUp w1" }));
        Assert.That(events[0].Member.Incarnation, Is.EqualTo("old"));
        Assert.That(tracker.Members.Single().Incarnation, Is.EqualTo("new"));
    }

    [Test]
    public void A_removed_node_that_speaks_again_is_up_as_a_new_member()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1"), At(0));
        tracker.Tick(At(6));
        tracker.Tick(At(30));

        Assert.That(Kinds(tracker.OnHeartbeat(Beat("w1"), At(31))), Is.EqualTo(new[] { "MemberUp w1" }));
    }

    [Test]
    public void A_leaving_heartbeat_removes_the_member_at_once()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1"), At(0));

        var events = tracker.OnHeartbeat(Beat("w1", leaving: true), At(1));

        Assert.That(Kinds(events), Is.EqualTo(new[] { "MemberRemoved w1" }));
        Assert.That(events[0].Reason, Is.EqualTo("left"));
        Assert.That(tracker.OnHeartbeat(Beat("w1", leaving: true), At(2)), Is.Empty, "a late leaving heartbeat adds nothing");
    }

    [Test]
    public void A_member_with_several_roles_counts_toward_each()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("l1", role: "coordinator,learner,rollout"), At(0));
        Assert.That(tracker.MissingMembers(), Is.EqualTo(new Dictionary<string, int> { ["rollout"] = 1 }));

        tracker.OnHeartbeat(Beat("w1", role: "rollout"), At(0));
        Assert.That(tracker.HasMinimumMembers, Is.True);
        Assert.That(tracker.Members.Single(m => m.Node == "l1").HasRole("rollou"), Is.False, "roles match whole");
    }

    [Test]
    public void The_job_waits_for_the_minimum_of_up_members_per_role()
    {
        var tracker = new MembershipTracker(Options);
        tracker.OnHeartbeat(Beat("w1"), At(0));
        tracker.OnHeartbeat(Beat("l1", role: "learner"), At(0));
        Assert.That(tracker.MissingMembers(), Is.EqualTo(new Dictionary<string, int> { ["rollout"] = 1 }));
        Assert.That(tracker.HasMinimumMembers, Is.False);

        tracker.OnHeartbeat(Beat("w2"), At(1));
        Assert.That(tracker.HasMinimumMembers, Is.True);

        tracker.OnHeartbeat(Beat("l1", role: "learner"), At(5));
        tracker.OnHeartbeat(Beat("w2"), At(5));
        tracker.Tick(At(5.5)); // w1 is suspect: no longer counted
        Assert.That(tracker.MissingMembers(), Is.EqualTo(new Dictionary<string, int> { ["rollout"] = 1 }));
    }
}
