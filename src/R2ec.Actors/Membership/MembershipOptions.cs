namespace R2ec.Actors.Membership;

/// <summary>Deadlines and start conditions of membership tracking.</summary>
public sealed record MembershipOptions
{
    /// <summary>How often nodes announce themselves.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A member without a heartbeat for this long becomes suspect (MemberUnreachable).</summary>
    public TimeSpan SuspectAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A suspect member without a heartbeat for this much longer is removed (MemberRemoved).</summary>
    public TimeSpan RemoveAfter { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>Members (Up) each role needs before the job starts, e.g. {"rollout": 2, "learner": 1}; a member counts toward each of its roles.</summary>
    public IReadOnlyDictionary<string, int> MinimumMembers { get; init; } = new Dictionary<string, int>();
}
