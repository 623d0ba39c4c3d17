namespace R2ec.Actors.Membership;

/// <summary>Where a member stands with the tracker.</summary>
public enum MemberStatus
{
    /// <summary>Heartbeats arrive in time.</summary>
    Up,

    /// <summary>No heartbeat for longer than the suspect deadline; still a member, given no new work by careful callers.</summary>
    Suspect,

    /// <summary>Removed: left, restarted as a new incarnation, or unreachable past the removal deadline.</summary>
    Down,
}
