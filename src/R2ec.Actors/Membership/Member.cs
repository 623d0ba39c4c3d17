namespace R2ec.Actors.Membership;

/// <summary>One incarnation of a node as the tracker sees it.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Incarnation">Id of this start of the node.</param>
/// <param name="Role">What the node does: one role, or a comma-separated list when one process holds several.</param>
/// <param name="Capacity">How much work it takes at once.</param>
/// <param name="Status">Up, Suspect or Down.</param>
/// <param name="LastSeen">When its last heartbeat arrived (tracker clock).</param>
public sealed record Member(string Node, string Incarnation, string Role, int Capacity, MemberStatus Status, DateTimeOffset LastSeen)
{
    /// <summary>Whether <paramref name="role"/> is one of the member's roles.</summary>
    public bool HasRole(string role) => Role.Split(',', StringSplitOptions.TrimEntries).Contains(role, StringComparer.Ordinal);
}
