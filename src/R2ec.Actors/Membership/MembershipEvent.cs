namespace R2ec.Actors.Membership;

/// <summary>Kinds of membership change, named as they are logged.</summary>
public enum MembershipEventKind
{
    /// <summary>A new member (or a new incarnation of a node) announced itself.</summary>
    MemberUp,

    /// <summary>A member missed its heartbeat deadline and is suspect.</summary>
    MemberUnreachable,

    /// <summary>A suspect member's heartbeat arrived again.</summary>
    MemberReachable,

    /// <summary>A member is gone: it left, it restarted as a new incarnation, or it stayed unreachable too long.</summary>
    MemberRemoved,
}

/// <summary>One membership change.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Member">The member after the change.</param>
/// <param name="Reason">Why, in words (for the log).</param>
public sealed record MembershipEvent(MembershipEventKind Kind, Member Member, string Reason);
