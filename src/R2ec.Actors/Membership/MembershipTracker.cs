namespace R2ec.Actors.Membership;

/// <summary>
/// The membership state machine, free of clocks and I/O: heartbeats and ticks come in with the time they are handled
/// at, membership changes come out. A member is Up while heartbeats arrive, Suspect once none came for
/// <see cref="MembershipOptions.SuspectAfter"/>, and removed (Down) after <see cref="MembershipOptions.RemoveAfter"/>
/// more, when it announces it is leaving, or when its node announces a new incarnation. A removed node that speaks
/// again is a new member: whatever it was doing was already given to others.
/// </summary>
public sealed class MembershipTracker
{
    private readonly MembershipOptions _options;
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);

    /// <summary>Creates a tracker with no members.</summary>
    public MembershipTracker(MembershipOptions options)
    {
        if (options.SuspectAfter <= TimeSpan.Zero || options.RemoveAfter <= TimeSpan.Zero)
            throw new ArgumentException("membership deadlines must be positive", nameof(options));
        _options = options;
    }

    /// <summary>The current members (Up and Suspect), by node name.</summary>
    public IReadOnlyCollection<Member> Members => _members.Values;

    /// <summary>Whether every role has its minimum of Up members.</summary>
    public bool HasMinimumMembers => MissingMembers().Count == 0;

    /// <summary>Roles short of their minimum, with how many Up members they lack.</summary>
    public IReadOnlyDictionary<string, int> MissingMembers() =>
        _options.MinimumMembers
            .Select(kv => (kv.Key, Missing: kv.Value - _members.Values.Count(m => m.HasRole(kv.Key) && m.Status == MemberStatus.Up)))
            .Where(r => r.Missing > 0)
            .ToDictionary(r => r.Key, r => r.Missing, StringComparer.Ordinal);

    /// <summary>Takes a heartbeat received at <paramref name="now"/>.</summary>
    public IReadOnlyList<MembershipEvent> OnHeartbeat(MemberHeartbeat heartbeat, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(heartbeat.Node, "heartbeat.Node");
        var events = new List<MembershipEvent>();
        if (_members.TryGetValue(heartbeat.Node, out var known))
        {
            if (known.Incarnation != heartbeat.Incarnation)
            {
                Remove(known, $"node restarted as incarnation {heartbeat.Incarnation}", events);
            }
            else if (heartbeat.Leaving)
            {
                Remove(known, "left", events);
                return events;
            }
            else
            {
                _members[known.Node] = known with { LastSeen = now, Status = MemberStatus.Up };
                if (known.Status == MemberStatus.Suspect)
                    events.Add(new MembershipEvent(MembershipEventKind.MemberReachable, _members[known.Node],
                        $"heartbeat after {(now - known.LastSeen).TotalSeconds:0.#} s"));
                return events;
            }
        }
        if (heartbeat.Leaving) return events;
        var member = new Member(heartbeat.Node, heartbeat.Incarnation, heartbeat.Role, heartbeat.Capacity, MemberStatus.Up, now);
        _members[member.Node] = member;
        events.Add(new MembershipEvent(MembershipEventKind.MemberUp, member, "announced itself"));
        return events;
    }

    /// <summary>Applies the deadlines at <paramref name="now"/>: Up members turn Suspect, Suspect members are removed.</summary>
    public IReadOnlyList<MembershipEvent> Tick(DateTimeOffset now)
    {
        var events = new List<MembershipEvent>();
        foreach (var member in _members.Values.OrderBy(m => m.Node, StringComparer.Ordinal).ToArray())
        {
            var silent = now - member.LastSeen;
            if (silent > _options.SuspectAfter + _options.RemoveAfter)
            {
                Remove(member, $"unreachable for {silent.TotalSeconds:0.#} s", events);
            }
            else if (silent > _options.SuspectAfter && member.Status == MemberStatus.Up)
            {
                _members[member.Node] = member with { Status = MemberStatus.Suspect };
                events.Add(new MembershipEvent(MembershipEventKind.MemberUnreachable, _members[member.Node],
                    $"no heartbeat for {silent.TotalSeconds:0.#} s"));
            }
        }
        return events;
    }

    private void Remove(Member member, string reason, List<MembershipEvent> events)
    {
        _members.Remove(member.Node);
        events.Add(new MembershipEvent(MembershipEventKind.MemberRemoved, member with { Status = MemberStatus.Down }, reason));
    }
}
