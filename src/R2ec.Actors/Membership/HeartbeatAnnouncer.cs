using Google.Protobuf;
using R2ec.Actors.Addressing;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Membership;

/// <summary>
/// Announces its node on the membership topic every <see cref="MembershipOptions.HeartbeatInterval"/>, with the node's
/// role and capacity and an incarnation id new at every start; when it stops (the node leaves), its last heartbeat says
/// so, and the tracker removes the node at once instead of waiting for the deadline.
/// </summary>
public sealed class HeartbeatAnnouncer : Actor
{
    /// <summary>The broadcast topic of heartbeats.</summary>
    public static readonly ActorAddress Topic = ActorAddress.Topic("membership");

    private readonly string _role;
    private readonly int _capacity;
    private readonly string _incarnation;
    private readonly TimeSpan _interval;
    private Timer? _timer;

    private HeartbeatAnnouncer(string role, int capacity, string incarnation, TimeSpan interval)
    {
        _role = role;
        _capacity = capacity;
        _incarnation = incarnation;
        _interval = interval;
    }

    /// <summary>Props of an announcer; every call gives a new incarnation (a node that starts again is a new member).</summary>
    /// <param name="role">What the node does, e.g. "rollout".</param>
    /// <param name="capacity">How much work the node takes at once.</param>
    /// <param name="options">The heartbeat interval.</param>
    public static Props Props(string role, int capacity, MembershipOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        var incarnation = Guid.NewGuid().ToString("N");
        return new Props(() => new HeartbeatAnnouncer(role, capacity, incarnation, options.HeartbeatInterval));
    }

    /// <inheritdoc />
    protected override async Task OnStartedAsync()
    {
        await AnnounceAsync(leaving: false);
        var self = Context.Self;
        _timer = new Timer(_ => _ = self.TellAsync(new MembershipTick()).AsTask(), null, _interval, _interval);
    }

    /// <inheritdoc />
    protected override Task ReceiveAsync(IMessage message) =>
        message is MembershipTick ? AnnounceAsync(leaving: false) : Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task OnStoppedAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync();
        await AnnounceAsync(leaving: true);
    }

    private async Task AnnounceAsync(bool leaving) =>
        await Context.System.Resolve(Topic).TellAsync(new MemberHeartbeat
        {
            Node = Context.System.Node,
            Incarnation = _incarnation,
            Role = _role,
            Capacity = _capacity,
            Leaving = leaving,
            SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        }, Context.Self);
}
