using Google.Protobuf;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Membership;

/// <summary>
/// The coordinator's view of the job's nodes: subscribes to the heartbeat topic, feeds a <see cref="MembershipTracker"/>
/// and checks its deadlines every heartbeat interval, logs each change (<c>MemberUp</c>, <c>MemberUnreachable</c>,
/// <c>MemberReachable</c>, <c>MemberRemoved</c>) and hands it to a callback. A removed member's node is declared down
/// on the monitor's own actor system (<see cref="ActorSystem.NodeDown"/>), so the actors there that watch actors of a
/// node that crashed hear <see cref="Protocol.Terminated"/> although that node never reports their stop. The tracker
/// lives outside the actor, so a restart keeps what it knew. <see cref="MembershipState.Ready"/> completes once every
/// role has its configured minimum of members.
/// </summary>
public sealed class MembershipMonitor : Actor
{
    private readonly MembershipState _state;
    private Timer? _timer;

    private MembershipMonitor(MembershipState state) => _state = state;

    /// <summary>Props of a monitor and the handle to its state.</summary>
    /// <param name="options">Deadlines and minimum members.</param>
    /// <param name="onChange">Called (from the actor, one at a time) with each change.</param>
    /// <param name="clock">The tracker's clock (defaults to the system clock).</param>
    public static (Props Props, MembershipState State) Create(MembershipOptions options, Action<MembershipEvent>? onChange = null,
        Func<DateTimeOffset>? clock = null)
    {
        var state = new MembershipState(new MembershipTracker(options), options, onChange, clock ?? (() => DateTimeOffset.UtcNow));
        return (new Props(() => new MembershipMonitor(state)), state);
    }

    /// <inheritdoc />
    protected override Task OnStartedAsync()
    {
        Context.Subscribe(HeartbeatAnnouncer.Topic);
        var self = Context.Self;
        var interval = _state.Options.HeartbeatInterval;
        _timer = new Timer(_ => _ = self.TellAsync(new MembershipTick()).AsTask(), null, interval, interval);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task ReceiveAsync(IMessage message)
    {
        var now = _state.Clock();
        var changes = message switch
        {
            MemberHeartbeat heartbeat => _state.Tracker.OnHeartbeat(heartbeat, now),
            MembershipTick => _state.Tracker.Tick(now),
            _ => [],
        };
        foreach (var change in changes)
        {
            var m = change.Member;
            Context.Log.Information("{MembershipEvent} {Member} ({Incarnation}) role {Role} capacity {Capacity}: {Reason}",
                change.Kind.ToString(), m.Node, m.Incarnation, m.Role, m.Capacity, change.Reason);
            if (change.Kind == MembershipEventKind.MemberRemoved)
                Context.System.NodeDown(m.Node, $"removed from the membership: {change.Reason}");
            _state.OnChange?.Invoke(change);
        }
        if (changes.Count > 0 && _state.Tracker.HasMinimumMembers && _state.MarkReady())
            Context.Log.Information("Membership complete: every role has its minimum of members");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task OnStoppedAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync();
    }
}

/// <summary>What a <see cref="MembershipMonitor"/> keeps across restarts, and what its owner awaits.</summary>
public sealed class MembershipState
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal MembershipState(MembershipTracker tracker, MembershipOptions options, Action<MembershipEvent>? onChange, Func<DateTimeOffset> clock)
    {
        Tracker = tracker;
        Options = options;
        OnChange = onChange;
        Clock = clock;
    }

    /// <summary>Completes once every role has had its minimum of Up members (the job may start).</summary>
    public Task Ready => _ready.Task;

    internal MembershipTracker Tracker { get; }
    internal MembershipOptions Options { get; }
    internal Action<MembershipEvent>? OnChange { get; }
    internal Func<DateTimeOffset> Clock { get; }

    internal bool MarkReady() => _ready.TrySetResult();
}
